import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../../config/common/mulberry32.ts";
import { createRestApi, restOpenApiDocument, restRoutes } from "./createRestApi.ts";
import { emptyDb } from "./emptyDb.ts";
import { honoPath } from "./mountRoutes.ts";

const app = createRestApi({ db: emptyDb() });
const get = async (path: string) => {
  const res = await app.request(path);
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
};

describe("parameters are parsed by the route definitions' schemas", () => {
  it.each([
    ["/datanets?limit=0", "INVALID_LIMIT", /limit "0" is not valid: expected a whole number from 1 to 100/],
    ["/datanets?limit=1e3", "INVALID_LIMIT", /from 1 to 100/],
    ["/datanets?owner=0x12", "INVALID_ADDRESS", /owner "0x12" .*40 hex digits/],
    [
      "/datanets?page=2",
      "INVALID_QUERY",
      /unknown query parameter "page"; this route accepts owner, fromBlock/,
    ],
    ["/datanets?fromBlock=9&toBlock=3", "INVALID_QUERY", /fromBlock 9 is after toBlock 3/],
    [
      "/datanets?fromTime=-1",
      "INVALID_QUERY",
      /fromTime "-1" is not valid: expected a non-negative whole number/,
    ],
    ["/datanets?cursor=%21", "INVALID_CURSOR", /nextCursor/],
    ["/datanets?cursor=WyJ4Il0", "INVALID_CURSOR", /nextCursor/],
    ["/datanets?order=up", "INVALID_QUERY", /expected one of asc, desc/],
    ["/datanets?limit=1&limit=2", "INVALID_QUERY", /more than once/],
    ["/inferences?status=paid", "INVALID_QUERY", /expected one of recorded, verified, disputed/],
    ["/inferences?modelId=x", "INVALID_ID", /modelId "x"/],
    ["/workers?status=gone", "INVALID_QUERY", /expected one of active, exiting, withdrawn/],
    ["/workers?cursor=WyIxIiwieCJd", "INVALID_CURSOR", /nextCursor/],
    ["/epochs?status=done", "INVALID_QUERY", /expected one of open, closed/],
    ["/epochs/1/leaderboard?order=desc", "INVALID_QUERY", /unknown query parameter "order"/],
    ["/stats?x=1", "INVALID_QUERY", /this route takes none/],
    ["/search", "INVALID_QUERY", /missing query parameter q/],
    ["/search?q=hello", "INVALID_QUERY", /expected an id .*an address .*transaction hash/],
    ["/transactions/0x12/events", "INVALID_ID", /hash "0x12" .*64 hex digits/],
    [`/datanets/${"9".repeat(79)}`, "INVALID_ID", /is not valid/],
  ])("%s → 400 %s", async (path, code, message) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.body.error!.code).toBe(code);
    expect(r.body.error!.message).toMatch(message);
  });

  it("answers random legal and illegal parameters with 200, 400 or 404 and a body the document describes", async () => {
    const doc = restOpenApiDocument() as {
      paths: Record<
        string,
        { get: { responses: Record<string, { content: Record<string, { schema: object }> }> } }
      >;
      components: object;
    };
    const ajv = new Ajv2020({ strict: false });
    const values = [
      "",
      "0",
      "1",
      "-1",
      "25",
      "101",
      "1.5",
      "abc",
      "asc",
      "desc",
      "active",
      "closed",
      "recorded",
      "0x0000000000000000000000000000000000000001",
      `0x${"ab".repeat(32)}`,
      "%00",
      "WyIxIl0",
      "🙂",
      "9".repeat(80),
    ];
    // Seeded, so a failing request comes back on every run.
    const random = mulberry32(64);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    for (let i = 0; i < 400; i++) {
      const route = pick(restRoutes);
      const keys = [...Object.keys(route.query), "junk"];
      const path = honoPath(route.path).replace(/:(\w+)/g, () => encodeURIComponent(pick(values)) || "1");
      const query = new URLSearchParams();
      for (let k = Math.floor(random() * 3); k > 0; k--) query.set(pick(keys), pick(values));
      const url = `${path}?${query}`;
      const res = await app.request(url);
      expect([200, 400, 404], url).toContain(res.status);
      const body = (await res.json()) as { error?: { message: string } };
      const responses = doc.paths[`/api/v1${route.path}`]!.get.responses;
      const schema = {
        ...responses[String(res.status)]!.content["application/json"]!.schema,
        components: doc.components,
      };
      expect(ajv.validate(schema, body), `${url}: ${ajv.errorsText()}`).toBe(true);
      if (res.status !== 200) expect(body.error!.message, url).toMatch(/\w/);
    }
  });
});
