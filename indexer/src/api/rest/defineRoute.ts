import type { z } from "zod/v4";
import type { Param } from "./queryParams.ts";

/** What a handler reads the index with: Ponder's read-only Drizzle client (`db` of `ponder:api`). */
export type RestDb = typeof import("ponder:api").db;
export type RestContext = { db: RestDb };

type Params = Record<string, Param>;
type Values<P extends Params> = { [K in keyof P]: P[K] extends Param<infer T> ? T : never };
type OptionalValues<P extends Params> = { [K in keyof P]?: P[K] extends Param<infer T> ? T : never };

/**
 * One REST route: its path (OpenAPI style, `/datanets/{id}`), its parameters and the JSON shape of its answer
 * as zod schemas, and the handler. The router (mountRoutes.ts) parses the parameters with these schemas and
 * the OpenAPI document (openApiDocument.ts) is generated from them, so the two cannot disagree.
 */
export type RouteDefinition<P extends Params = Params, Q extends Params = Params> = {
  path: `/${string}`;
  summary: string;
  description?: string;
  tag: string;
  params: P;
  query: Q;
  /** The 200 body as JSON (bigints as decimal strings). */
  response: z.ZodType;
  /** Errors this route answers besides 400 for bad parameters (e.g. 404 NOT_FOUND). */
  errors?: readonly (404 | 409)[];
  handler(input: { params: Values<P>; query: OptionalValues<Q> }, context: RestContext): Promise<unknown>;
};

export const defineRoute = <P extends Params, Q extends Params>(
  route: RouteDefinition<P, Q>,
): RouteDefinition => route as unknown as RouteDefinition;
