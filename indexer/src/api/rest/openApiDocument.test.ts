import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { createRestApi, REST_BASE_PATH, restOpenApiDocument } from "./createRestApi.ts";
import { emptyDb } from "./emptyDb.ts";

type Operation = {
  parameters: { name: string; in: string; required: boolean; schema: object }[];
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
};
const doc = restOpenApiDocument() as { openapi: string; paths: Record<string, { get: Operation }> };

describe("the OpenAPI document", () => {
  it("lists every route the REST app registers, and nothing else", () => {
    const app = createRestApi({ db: emptyDb() });
    const registered = app.routes
      .filter((r) => r.path !== "/*")
      .map((r) => `${r.method} ${REST_BASE_PATH}${r.path.replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.keys(doc.paths).map((p) => `GET ${p}`);
    expect(registered.sort()).toEqual(documented.sort());
    expect(doc.openapi).toBe("3.1.0");
  });

  it("declares each path parameter, and every schema is valid JSON Schema 2020-12", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    for (const [path, { get }] of Object.entries(doc.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(
        get.parameters.filter((p) => p.in === "path").map((p) => p.name),
        path,
      ).toEqual(inPath);
      for (const p of get.parameters) ajv.compile(p.schema);
      ajv.compile(get.responses["200"]!.content!["application/json"]!.schema);
    }
  });

  it("is served by the app itself at /api/v1/openapi.json", async () => {
    const res = await createRestApi({ db: emptyDb() }).request("/openapi.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
