import { Hono } from "hono";
import { z } from "zod/v4";
import { isHttpError } from "../httpError.ts";
import { contributionRoutes } from "./contributions.ts";
import { datanetRoutes } from "./datanets.ts";
import { defineRoute, type RestContext, type RouteDefinition } from "./defineRoute.ts";
import { epochRoutes } from "./epochs.ts";
import { inferenceRoutes } from "./inferences.ts";
import { modelRoutes } from "./models.ts";
import { mountRoutes } from "./mountRoutes.ts";
import { buildOpenApiDocument } from "./openApiDocument.ts";
import { searchRoutes } from "./search.ts";
import { statusRoutes } from "./status.ts";
import { transactionRoutes } from "./transactions.ts";
import { workerRoutes } from "./workers.ts";

export const REST_BASE_PATH = "/api/v1";

/** Every REST route but the OpenAPI document itself, in the order the document lists them. */
export const restRoutes: readonly RouteDefinition[] = [
  ...statusRoutes,
  ...contributionRoutes.slice(0, 1), // /stats
  ...datanetRoutes,
  ...contributionRoutes.slice(1),
  ...modelRoutes,
  ...inferenceRoutes,
  ...workerRoutes,
  ...epochRoutes,
  ...transactionRoutes,
  ...searchRoutes,
];

/** The OpenAPI 3.1 document of every route below, itself included. */
export function restOpenApiDocument(): Record<string, unknown> {
  return buildOpenApiDocument([...restRoutes, openApiRoute], { basePath: REST_BASE_PATH, version: "1" });
}

let document: Record<string, unknown> | undefined;
const openApiRoute = defineRoute({
  path: "/openapi.json",
  tag: "meta",
  summary: "This API's OpenAPI 3.1 document, generated from the route definitions",
  params: {},
  query: {},
  response: z
    .object({
      openapi: z.literal("3.1.0"),
      info: z.object({}).passthrough(),
      paths: z.record(z.string(), z.unknown()),
    })
    .passthrough(),
  async handler() {
    document ??= restOpenApiDocument();
    return document;
  },
});

const json = (value: unknown, status: 400 | 404 | 409 | 500 | 503) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });

/** The REST API under /api/v1 (mounted by src/api/index.ts), reading the index through `context.db`. */
export function createRestApi(context: RestContext): Hono {
  const app = new Hono();
  mountRoutes(app, [...restRoutes, openApiRoute], context);
  // Mounted under /api/v1, a sub-app's notFound is never consulted: a catch-all route answers instead.
  app.all("*", (c) =>
    json(
      {
        error: {
          code: "NOT_FOUND",
          message: `no route ${c.req.method} ${new URL(c.req.url).pathname}; see ${REST_BASE_PATH}/openapi.json`,
        },
      },
      404,
    ),
  );
  app.onError((error) => {
    if (isHttpError(error))
      return json({ error: { code: error.code, message: error.message } }, error.status);
    // Ponder locks the unfinalized rows while it reverts them after a reorg; reads time out briefly.
    if (/lock timeout/.test(String((error as Error)?.message))) {
      const res = json(
        { error: { code: "BUSY", message: "the index is catching up with a reorg; retry in a second" } },
        503,
      );
      res.headers.set("retry-after", "1");
      return res;
    }
    console.error(error);
    return json({ error: { code: "INTERNAL", message: "internal error; see the indexer log" } }, 500);
  });
  return app;
}
