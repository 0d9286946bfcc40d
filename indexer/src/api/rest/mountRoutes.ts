import type { Hono } from "hono";
import { httpError } from "../httpError.ts";
import type { RestContext, RouteDefinition } from "./defineRoute.ts";
import { checkRange, type Param } from "./queryParams.ts";
import { toJson } from "./toJson.ts";

/** `/datanets/{id}` → Hono's `/datanets/:id`. */
export const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

/** Parses one raw parameter with its schema; a bad one is a 400 naming it, the value and what was expected. */
export function parseParam(name: string, param: Param, raw: string): unknown {
  const result = param.schema.safeParse(raw);
  if (result.success) return result.data;
  const expected = result.error.issues[0]?.message ?? "invalid value";
  throw httpError(400, param.code, `${name} ${JSON.stringify(raw.slice(0, 200))} is not valid: ${expected}`);
}

/**
 * Parses a request's query against the route's parameters: an unknown parameter (a typo, or `page`, which
 * this API does not use) is a 400 listing the accepted ones, so a mistake never silently returns page one.
 */
export function parseQuery(route: RouteDefinition, query: Record<string, string>): Record<string, unknown> {
  const accepted = Object.keys(route.query);
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(query)) {
    if (!Object.hasOwn(route.query, key)) {
      throw httpError(
        400,
        "INVALID_QUERY",
        `unknown query parameter ${JSON.stringify(key)}; ${
          accepted.length ? `this route accepts ${accepted.join(", ")}` : "this route takes none"
        }`,
      );
    }
  }
  for (const [key, param] of Object.entries(route.query)) {
    const raw = query[key];
    if (raw === undefined) {
      if (param.required) {
        throw httpError(400, "INVALID_QUERY", `missing query parameter ${key}: ${param.description}`);
      }
      continue;
    }
    values[key] = parseParam(key, param, raw);
  }
  return values;
}

const json = (body: string) =>
  new Response(body, { status: 200, headers: { "content-type": "application/json; charset=utf-8" } });

/** Registers each route on `app` (GET), parsing its path and query parameters with the route's schemas. */
export function mountRoutes(app: Hono, routes: readonly RouteDefinition[], context: RestContext): void {
  for (const route of routes) {
    app.get(honoPath(route.path), async (c) => {
      const params: Record<string, unknown> = {};
      for (const [key, param] of Object.entries(route.params)) {
        params[key] = parseParam(key, param, c.req.param(key) ?? "");
      }
      const repeated = Object.entries(c.req.queries()).find(([, values]) => values.length > 1);
      if (repeated) {
        throw httpError(
          400,
          "INVALID_QUERY",
          `query parameter ${repeated[0]} is given more than once; give it once`,
        );
      }
      const query = parseQuery(route, c.req.query());
      checkRange(query);
      return json(toJson(await route.handler({ params, query } as never, context)));
    });
  }
}
