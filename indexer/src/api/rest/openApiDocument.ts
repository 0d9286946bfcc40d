import { z } from "zod/v4";
import type { RouteDefinition } from "./defineRoute.ts";
import type { Param } from "./queryParams.ts";
import { errorSchema } from "./rowSchemas.ts";

type JsonSchema = Record<string, unknown>;

/** A zod schema as a JSON Schema 2020-12 object (OpenAPI 3.1's dialect), without its `$schema` line. */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, target: "draft-2020-12" }) as JsonSchema;
  return rest;
}

const parameter = (name: string, where: "path" | "query", param: Param) => ({
  name,
  in: where,
  required: where === "path" || param.required === true,
  description: param.description,
  // Parameters arrive as text: the schema is of the string, with the pattern or values it must match.
  schema: jsonSchemaOf(param.schema, "input"),
});

const operationId = (path: string) =>
  `get${path
    .split("/")
    .filter(Boolean)
    .map((s) => s.replace(/^\{(\w+)\}$/, "by-$1"))
    .join("-")
    .replace(/(^|[-_.])(\w)/g, (_m, _sep, c: string) => c.toUpperCase())}`;

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/**
 * The OpenAPI 3.1 document of the REST API, generated from the route definitions the router mounts (every
 * path, parameter and 200 body shape comes from the same zod schemas that parse requests), served at
 * `/api/v1/openapi.json`.
 */
export function buildOpenApiDocument(
  routes: readonly RouteDefinition[],
  options: { basePath: string; version: string },
): JsonSchema {
  const paths: Record<string, unknown> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {
      "200": {
        description: "OK. Integers wider than 53 bits are decimal strings; hex is lower-case.",
        content: { "application/json": { schema: jsonSchemaOf(route.response, "output") } },
      },
      "400": errorResponse(
        "a bad parameter: the code (INVALID_ID, INVALID_ADDRESS, INVALID_LIMIT, INVALID_CURSOR, INVALID_QUERY) and a message naming it and what it accepts",
      ),
      "503": errorResponse(
        "BUSY: the index is rewriting rows after a reorg; retry after Retry-After seconds",
      ),
    };
    if (route.errors?.includes(404))
      responses["404"] = errorResponse("NOT_FOUND (or NO_POINTS): nothing with that key");
    if (route.errors?.includes(409))
      responses["409"] = errorResponse("EPOCH_NOT_CLOSED: the epoch has no points root yet");
    paths[`${options.basePath}${route.path}`] = {
      get: {
        operationId: operationId(route.path),
        summary: route.summary,
        ...(route.description ? { description: route.description } : {}),
        tags: [route.tag],
        parameters: [
          ...Object.entries(route.params).map(([name, p]) => parameter(name, "path", p)),
          ...Object.entries(route.query).map(([name, p]) => parameter(name, "query", p)),
        ],
        responses,
      },
    };
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "openledger-node indexer REST API",
      version: options.version,
      description:
        "Read-only explorer API over the index of the OpenLedger protocol contracts. Lists are keyset-paginated: pass `nextCursor` as `cursor`; `limit` 1-100.",
    },
    paths,
    components: { schemas: { Error: jsonSchemaOf(errorSchema, "output") } },
  };
}
