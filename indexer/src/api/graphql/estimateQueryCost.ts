import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";

/**
 * What a GraphQL request may cost before it runs, in rows read. Ponder's schema has two kinds of object
 * fields: pages (`contributions(limit:…){ items{…} totalCount pageInfo }`, at the root and on every `many`
 * relation) and single rows (`contribution(id:…)`, `one` relations). A page is one SQL statement, priced as
 * `statement` rows, that reads `offset + limit` rows (default 50); every field under `items` runs once per
 * row — Ponder's resolver runs a nested page's statement once per parent row — so list sizes multiply through
 * the nesting; `totalCount` is a `count(*)` over the whole filtered table, priced as `totalCount` rows each
 * time it runs. Aliases are separate fields, fragments are expanded where they are spread.
 */
export const QUERY_COST_LIMITS = {
  /**
   * What a request may cost. With `statement` below, the dearest allowed query runs about 100 statements or
   * reads about 5,000 rows: a fraction of a second alone (api.under_attack prints it as heavyAloneMs).
   */
  maxCost: 5_000,
  /**
   * One SQL statement, in rows: a round trip to Postgres, planning and Ponder's resolver cost about as much
   * as reading and encoding 50 rows, so 1,000 nested one-row pages are priced as what they take.
   */
  statement: 50,
  /** Ponder's own default and maximum page sizes. */
  defaultLimit: 50,
  maxLimit: 1000,
  /** A `totalCount` is priced like reading this many rows (a count over an index, once per parent row). */
  totalCount: 1000,
  /** Longest string a query or its variables may pass as an argument (ids, addresses, cursors, filters). */
  maxStringLength: 1024,
} as const;

export type QueryCostProblem = {
  code: "QUERY_TOO_EXPENSIVE" | "INVALID_ARGUMENT";
  message: string;
  cost?: number;
};

const PAGE_FIELDS = new Set(["items", "totalCount", "pageInfo"]);

type Context = {
  /** Deepest level of nested fields (a leaf counts, fragments are flattened), as GraphQL armor counts it. */
  depth: number;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  problems: QueryCostProblem[];
};

function argumentValue(node: ValueNode, variables: Record<string, unknown>): unknown {
  switch (node.kind) {
    case Kind.VARIABLE:
      return variables[node.name.value];
    case Kind.INT:
      return Number(node.value);
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((v) => argumentValue(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, argumentValue(f.value, variables)]));
  }
}

/** Every string inside an argument value (filters nest objects and lists). */
function longString(value: unknown, depth = 0): string | undefined {
  if (typeof value === "string") return value.length > QUERY_COST_LIMITS.maxStringLength ? value : undefined;
  if (depth > 16 || typeof value !== "object" || value === null) return undefined;
  for (const v of Object.values(value)) {
    const found = longString(v, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The fields a selection set selects, with fragments expanded (a cycle is left to GraphQL's validation). */
function fieldsOf(set: SelectionSetNode, ctx: Context, seen: Set<string>): FieldNode[] {
  const out: FieldNode[] = [];
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsOf(s.selectionSet, ctx, seen));
    else {
      const name = s.name.value;
      const fragment = ctx.fragments.get(name);
      if (!fragment || seen.has(name)) continue;
      out.push(...fieldsOf(fragment.selectionSet, ctx, new Set([...seen, name])));
    }
  }
  return out;
}

function intArg(field: FieldNode, name: string, fallback: number, ctx: Context): number {
  const arg = field.arguments?.find((a) => a.name.value === name);
  const value = arg ? argumentValue(arg.value, ctx.variables) : undefined;
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) return fallback; // GraphQL's validation names it
  if (value < 0) {
    ctx.problems.push({
      code: "INVALID_ARGUMENT",
      message: `${name} ${value} on ${field.name.value} must not be negative.`,
    });
    return 0;
  }
  return value;
}

function costOf(set: SelectionSetNode, ctx: Context, depth: number): number {
  if (depth > 64) return Number.POSITIVE_INFINITY; // deeper than any valid query; the depth limit names it
  let total = 0;
  for (const field of fieldsOf(set, ctx, new Set())) {
    ctx.depth = Math.max(ctx.depth, depth + 1);
    for (const arg of field.arguments ?? []) {
      const long = longString(argumentValue(arg.value, ctx.variables));
      if (long !== undefined) {
        ctx.problems.push({
          code: "INVALID_ARGUMENT",
          message: `argument ${arg.name.value} of ${field.name.value} holds a string of ${long.length} characters; at most ${QUERY_COST_LIMITS.maxStringLength} are accepted.`,
        });
      }
      if ((arg.name.value === "after" || arg.name.value === "before") && depth >= 0) {
        const cursor = argumentValue(arg.value, ctx.variables);
        if (typeof cursor === "string" && !isCursor(cursor)) {
          ctx.problems.push({
            code: "INVALID_ARGUMENT",
            message: `${arg.name.value} ${JSON.stringify(cursor.slice(0, 64))} on ${field.name.value} is not a cursor; pass pageInfo.endCursor or startCursor of a previous page unchanged.`,
          });
        }
      }
    }
    if (!field.selectionSet) continue;
    const children = fieldsOf(field.selectionSet, ctx, new Set());
    const isPage = children.some((c) => PAGE_FIELDS.has(c.name.value));
    if (!isPage) {
      total += 1 + costOf(field.selectionSet, ctx, depth + 1);
      continue;
    }
    const limit = intArg(field, "limit", QUERY_COST_LIMITS.defaultLimit, ctx);
    const offset = intArg(field, "offset", 0, ctx);
    if (limit > QUERY_COST_LIMITS.maxLimit) {
      ctx.problems.push({
        code: "INVALID_ARGUMENT",
        message: `limit ${limit} on ${field.name.value} is over the maximum of ${QUERY_COST_LIMITS.maxLimit}; page with pageInfo.endCursor instead.`,
      });
    }
    let perRow = 0;
    let pageCost = QUERY_COST_LIMITS.statement + limit + offset;
    for (const child of children) {
      // items/totalCount/pageInfo sit one level below the page, their fields one more.
      ctx.depth = Math.max(ctx.depth, depth + (child.selectionSet ? 3 : 2));
      if (child.name.value === "totalCount") pageCost += QUERY_COST_LIMITS.totalCount;
      if (child.name.value === "items" && child.selectionSet)
        perRow += costOf(child.selectionSet, ctx, depth + 2);
    }
    total += pageCost + limit * perRow;
  }
  return total;
}

/** A cursor Ponder can decode: base64 of a superjson object. */
function isCursor(cursor: string): boolean {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(cursor)) return false;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64").toString("utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null && "json" in parsed;
  } catch {
    return false;
  }
}

/**
 * The estimated cost of the operation a request runs, and what is wrong with it (over budget, a limit over
 * the maximum, a negative limit or offset, a malformed cursor, an over-long string). Total over any document:
 * what it cannot price (an unknown operation name) it leaves to GraphQL's validation.
 */
export function estimateQueryCost(
  document: DocumentNode,
  variables: Record<string, unknown> = {},
  operationName?: string,
): { cost: number; depth: number; problems: QueryCostProblem[] } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const ctx: Context = { depth: 0, fragments, variables, problems: [] };
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName
    ? operations.find((o) => o.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  // Several operations without a name to pick one: price the dearest, GraphQL will refuse it anyway.
  const priced = operation ? [operation] : operations;
  let cost = 0;
  for (const o of priced) cost = Math.max(cost, costOf(o.selectionSet, ctx, 0));
  const variableLong = longString(variables);
  if (variableLong !== undefined) {
    ctx.problems.push({
      code: "INVALID_ARGUMENT",
      message: `a variable holds a string of ${variableLong.length} characters; at most ${QUERY_COST_LIMITS.maxStringLength} are accepted.`,
    });
  }
  if (cost > QUERY_COST_LIMITS.maxCost) {
    ctx.problems.unshift({
      code: "QUERY_TOO_EXPENSIVE",
      cost: Number.isFinite(cost) ? cost : undefined,
      message: `This query would read about ${Number.isFinite(cost) ? cost.toLocaleString("en-US") : "unboundedly many"} rows; the limit is ${QUERY_COST_LIMITS.maxCost.toLocaleString("en-US")}. Lower the limits of nested lists, drop totalCount inside lists, or split the query and page with cursors.`,
    });
  }
  return { cost, depth: ctx.depth, problems: ctx.problems };
}
