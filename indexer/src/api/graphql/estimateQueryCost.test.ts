import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../../config/common/mulberry32.ts";
import { estimateQueryCost, QUERY_COST_LIMITS } from "./estimateQueryCost.ts";

const S = QUERY_COST_LIMITS.statement;

const cost = (query: string, variables?: Record<string, unknown>, name?: string) =>
  estimateQueryCost(parse(query), variables, name);

/** The query of issue 19: 20 aliases of three nested pages of 1000 with totalCount at each level. */
const ISSUE_QUERY = `{ ${Array.from(
  { length: 20 },
  (_, i) =>
    `a${i}: contributions(limit:1000){totalCount items{datanet{contributions(limit:1000){totalCount items{attributions(limit:1000){totalCount items{id}}}}}}}`,
).join(" ")} }`;

describe("estimateQueryCost", () => {
  it("prices a page as its statement and its rows, nested single rows once per row", () => {
    expect(cost("{ contributions(limit: 100) { items { id status } } }").cost).toBe(S + 100);
    // `one` relations are batched by Ponder's data loader: a row each, no statement per parent.
    expect(cost("{ contributions(limit: 100) { items { id datanet { name } } } }").cost).toBe(S + 200);
    expect(cost("{ contribution(id: 1) { id } }").cost).toBe(1);
    expect(cost("{ contributions { items { id } } }").cost).toBe(S + QUERY_COST_LIMITS.defaultLimit);
    expect(cost("{ contributions(limit: 10) { totalCount } }").cost).toBe(
      S + 10 + QUERY_COST_LIMITS.totalCount,
    );
  });

  it("prices a nested page's statement once per parent row, so many tiny pages are dear", () => {
    // 1000 parents each with a one-row page: 1001 statements, each priced as S rows.
    const tiny = cost("{ contributions(limit: 1000) { items { attributions(limit: 1) { items { id } } } } }");
    expect(tiny.cost).toBe(S + 1000 + 1000 * (S + 1));
    expect(tiny.problems[0]!.code).toBe("QUERY_TOO_EXPENSIVE");
    // The same rows in one flat page are cheap.
    expect(cost("{ attributions(limit: 1000) { items { id } } }").problems).toEqual([]);
  });

  it("multiplies list sizes through the nesting and counts every alias", () => {
    const one = cost(
      "{ contributions(limit: 10) { items { attributions(limit: 20) { items { id } } } } }",
    ).cost;
    expect(one).toBe(S + 10 + 10 * (S + 20));
    const two = cost(
      "{ a: contributions(limit: 10) { items { attributions(limit: 20) { items { id } } } } b: contributions(limit: 10) { items { attributions(limit: 20) { items { id } } } } }",
    ).cost;
    expect(two).toBe(2 * one);
    expect(cost("{ contributions(limit: 10, offset: 500) { items { id } } }").cost).toBe(S + 510);
  });

  it("measures depth as nested field levels, a leaf included, fragments flattened", () => {
    expect(cost("{ datanet(id: 1) { id } }").depth).toBe(2);
    expect(cost("{ contributions { items { datanet { id } } } }").depth).toBe(4);
    expect(cost("{ contributions { pageInfo { endCursor } } }").depth).toBe(3);
    expect(cost("{ ...F } fragment F on Query { contributions { items { id } } }").depth).toBe(3);
  });

  it("refuses the issue's query with its cost and the limit", () => {
    const { cost: c, problems } = cost(ISSUE_QUERY);
    expect(c).toBeGreaterThan(1e9);
    expect(problems[0]).toMatchObject({ code: "QUERY_TOO_EXPENSIVE", cost: c });
    expect(problems[0]!.message).toMatch(
      new RegExp(`the limit is ${QUERY_COST_LIMITS.maxCost.toLocaleString("en-US")}`),
    );
  });

  it("expands fragments, inline fragments and variables", () => {
    const viaFragment = cost(
      "query Q($n: Int) { contributions(limit: $n) { ...Page } } fragment Page on contributionPage { items { ... on contribution { attributions(limit: 1000) { totalCount } } } }",
      { n: 1000 },
    );
    expect(viaFragment.cost).toBe(S + 1000 + 1000 * (S + 1000 + QUERY_COST_LIMITS.totalCount));
    expect(viaFragment.problems[0]!.code).toBe("QUERY_TOO_EXPENSIVE");
    // A fragment cycle is not a hang: it is left to GraphQL's validation.
    expect(cost("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }").cost).toBe(0);
  });

  it("names client mistakes: limit over 1000, negative limit, bad cursor, over-long strings", () => {
    expect(cost("{ contributions(limit: 1001) { items { id } } }").problems[0]!.message).toMatch(
      /limit 1001 on contributions is over the maximum of 1000/,
    );
    expect(cost("{ contributions(limit: -1) { items { id } } }").problems[0]!.message).toMatch(
      /must not be negative/,
    );
    expect(cost('{ contributions(after: "nope!") { items { id } } }').problems[0]!.message).toMatch(
      /is not a cursor/,
    );
    expect(cost('{ contributions(after: "bm9wZQ==") { items { id } } }').problems[0]!.message).toMatch(
      /is not a cursor/,
    );
    const good = Buffer.from(JSON.stringify({ json: { id: "1" } })).toString("base64");
    expect(cost(`{ contributions(after: "${good}") { items { id } } }`).problems).toEqual([]);
    const long = "x".repeat(QUERY_COST_LIMITS.maxStringLength + 1);
    expect(cost(`{ contributions(where: { id: "${long}" }) { items { id } } }`).problems[0]!.message).toMatch(
      /argument where of contributions holds a string of 1025 characters/,
    );
    expect(
      cost("query Q($w: contributionFilter) { contributions(where: $w) { items { id } } }", {
        w: { id_in: [long] },
      }).problems.length,
    ).toBeGreaterThan(0);
  });

  it("is total: random documents built from the schema's shapes never throw and never go negative", () => {
    const random = mulberry32(19);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const build = (depth: number): string => {
      if (depth > 6 || random() < 0.3)
        return pick(["id", "totalCount", "pageInfo { endCursor }", "__typename"]);
      const args = pick(["", "(limit: 5)", "(limit: 1000)", "(offset: 3)", '(after: "x")', "(limit: $n)"]);
      const inner = Array.from({ length: 1 + Math.floor(random() * 3) }, () => build(depth + 1)).join(" ");
      return pick([
        `${pick(["contributions", "attributions", "a: datanets"])}${args} { items { ${inner} } }`,
        `datanet(id: 1) { ${inner} }`,
        `... on Query { ${inner} }`,
      ]);
    };
    for (let i = 0; i < 500; i++) {
      const query = `query Q($n: Int) { ${build(0)} }`;
      const { cost: c } = cost(query, { n: Math.floor(random() * 2000) - 100 });
      expect(c, query).toBeGreaterThanOrEqual(0);
    }
  });
});
