/** What a failed /sql statement tells the caller: a status, a code and Postgres's own message (no paths). */
export type SqlErrorReply = { status: 400 | 403 | 500 | 503; code: string; message: string };

/**
 * By SQLSTATE class: the statement's own faults (bad syntax, 1/0, a bad cast, a refused command, a timeout)
 * are 4xx and are never retried; a database that is away or full is 503; anything else 500, logged.
 */
export function classifySqlError(error: unknown, statementTimeoutMs: number): SqlErrorReply {
  const code =
    typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : "";
  const message = error instanceof Error ? error.message : String(error);
  if (code === "57014") {
    return {
      status: 400,
      code: "STATEMENT_TIMEOUT",
      message: `the statement ran longer than ${statementTimeoutMs / 1000} s and was cancelled; narrow it (WHERE, LIMIT) or use the REST API`,
    };
  }
  if (code === "42501")
    return {
      status: 403,
      code: "PERMISSION_DENIED",
      message: `${message}; /sql reads only the index's views`,
    };
  if (/^(22|42|0A|25|21|2B|54|2F|38|39|3F|44|0L|0P|P0)/.test(code))
    return { status: 400, code: "INVALID_QUERY", message };
  if (
    /^(08|53|57|58|40|55)/.test(code) ||
    /timeout exceeded when trying to connect|Connection terminated/i.test(message)
  ) {
    return {
      status: 503,
      code: "BUSY",
      message: "the SQL endpoint is busy or the database is away; retry shortly",
    };
  }
  return { status: 500, code: "INTERNAL", message: "internal error; see the indexer log" };
}
