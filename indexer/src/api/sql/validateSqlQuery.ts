import { API_LIMITS } from "../apiLimits.ts";

type Parser = {
  parse(sql: string): {
    parse_tree: { stmts: { stmt: Record<string, unknown> }[] };
    error: { message: string } | null;
  };
};
let parser: Promise<Parser> | undefined;

/**
 * Undefined when `sql` is one plain SELECT (what @ponder/client sends), else what is wrong with it. The
 * read-only role and transaction are what make /sql safe; this is the first, cheap line: no second statement,
 * no utility command (SET, COMMIT, LISTEN, DO), no SELECT … INTO or FOR UPDATE.
 */
export async function validateSqlQuery(sql: unknown): Promise<string | undefined> {
  if (typeof sql !== "string" || sql.trim() === "") return "sql must be a non-empty string";
  if (sql.length > API_LIMITS.sqlMaxLength)
    return `the statement is ${sql.length} characters; at most ${API_LIMITS.sqlMaxLength} are accepted`;
  // @ts-expect-error: the WASM build of libpg_query ships without types
  parser ??= import("pg-query-emscripten").then((m: { default: () => Promise<Parser> }) => m.default());
  const result = (await parser).parse(sql);
  if (result.error) return `syntax error: ${result.error.message}`;
  const stmts = result.parse_tree.stmts;
  if (stmts.length !== 1)
    return stmts.length === 0 ? "the statement is empty" : "send one statement at a time";
  const [kind] = Object.keys(stmts[0]!.stmt);
  if (kind !== "SelectStmt")
    return `only SELECT is accepted, not ${kind?.replace(/Stmt$/, "") ?? "this statement"}`;
  const select = stmts[0]!.stmt.SelectStmt as { intoClause?: unknown; lockingClause?: unknown };
  if (select.intoClause) return "SELECT … INTO is not accepted";
  if (select.lockingClause) return "FOR UPDATE/SHARE is not accepted";
  return undefined;
}
