import { describe, expect, it } from "vitest";
import { validateSqlQuery } from "./validateSqlQuery.ts";

describe("validateSqlQuery", () => {
  it("accepts one plain SELECT, with joins, CTEs and parameters, as @ponder/client builds them", async () => {
    for (const sql of [
      'select "id", "status" from "contribution" where "datanet_id" = $1 limit $2',
      "with x as (select 1 as a) select a from x union all select 2",
      "select count(*) from contribution c join datanet d on d.id = c.datanet_id",
    ]) {
      expect(await validateSqlQuery(sql), sql).toBeUndefined();
    }
  });

  it("names what is wrong with anything else", async () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /non-empty string/],
      [42, /non-empty string/],
      ["   ", /non-empty string/],
      ["select 1; select 2", /one statement at a time/],
      ["comment on table contribution is 'x'", /only SELECT is accepted, not Comment/],
      ["set statement_timeout = 0", /only SELECT is accepted, not VariableSet/],
      ["delete from contribution", /only SELECT is accepted, not Delete/],
      ["do $$ begin perform pg_sleep(100); end $$", /only SELECT is accepted, not Do/],
      ["select * into t from contribution", /SELECT … INTO/],
      ["select * from contribution for share", /FOR UPDATE\/SHARE/],
      ["selec 1", /syntax error at or near "selec"/],
      [`select '${"x".repeat(5000)}'`, /at most 5000/],
      [";", /empty/],
    ];
    for (const [sql, problem] of cases) {
      expect(await validateSqlQuery(sql), String(sql).slice(0, 60)).toMatch(problem);
    }
  });
});
