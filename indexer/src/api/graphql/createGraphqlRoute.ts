import { type DocumentNode, GraphQLError, parse } from "graphql";
import type { Context, MiddlewareHandler } from "hono";
import { graphql } from "ponder";
import { API_LIMITS } from "../apiLimits.ts";
import { AdmissionRefusedError } from "../db/createAdmission.ts";
import type { GraphqlLanes } from "../db/createGraphqlLanes.ts";
import { readBody } from "../readBody.ts";
import { estimateQueryCost, QUERY_COST_LIMITS } from "./estimateQueryCost.ts";

type GraphqlParameters = Parameters<typeof graphql>[0] & {
  /** Where a request's statements run, by its estimated cost (../db/createGraphqlLanes.ts). */
  lanes: GraphqlLanes;
};

const errorResponse = (
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
) =>
  new Response(JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });

type GraphqlRequest = { query?: unknown; variables?: unknown; operationName?: unknown };

/**
 * POST /graphql: Ponder's GraphQL behind the checks it lacks. Before anything runs: a body size limit, a
 * parse with the token limit, and the cost estimate (list sizes multiplied through the nesting, totalCount
 * priced, aliases counted), so an over-budget query is a 400 naming its cost and the limit, and `limit: 1001`,
 * a negative limit, a malformed cursor or an over-long string is a 400 naming the argument instead of
 * Ponder's masked "Unexpected error.". Then it runs in the lane its cost calls for — an expensive query waits
 * for one of a few slots, or gets 429 with Retry-After when the line is full — under a deadline: when it
 * passes (or the client goes), the answer is 503 and the request's SQL statements are cancelled in Postgres.
 * GET keeps Ponder's GraphiQL page.
 */
export function createGraphqlRoute(parameters: GraphqlParameters): MiddlewareHandler {
  const { lanes, ...ponderParameters } = parameters;
  const ponder = graphql(ponderParameters, {
    maxOperationDepth: API_LIMITS.graphqlMaxDepth,
    maxOperationTokens: API_LIMITS.graphqlMaxTokens,
    maxOperationAliases: API_LIMITS.graphqlMaxAliases,
  });

  return async (c: Context, next) => {
    if (c.req.method !== "POST") return ponder(c, next);
    const body = await readBody(c.req.raw, API_LIMITS.maxBodyBytes);
    if (!body.ok) {
      return errorResponse(
        413,
        "BODY_TOO_LARGE",
        `The request body is over ${API_LIMITS.maxBodyBytes} bytes; a GraphQL request is a few KB.`,
      );
    }
    let request: GraphqlRequest;
    try {
      request = JSON.parse(body.text) as GraphqlRequest;
    } catch {
      return errorResponse(
        400,
        "BAD_REQUEST",
        'The body is not JSON: send {"query": "…", "variables": {…}}.',
      );
    }
    if (typeof request !== "object" || request === null || typeof request.query !== "string") {
      return errorResponse(400, "BAD_REQUEST", 'The body must be a JSON object with a "query" string.');
    }
    const variables = request.variables ?? {};
    if (typeof variables !== "object" || Array.isArray(variables)) {
      return errorResponse(400, "BAD_REQUEST", '"variables" must be a JSON object.');
    }
    let document: DocumentNode;
    try {
      document = parse(request.query, { maxTokens: API_LIMITS.graphqlMaxTokens });
    } catch (error) {
      const message = error instanceof GraphQLError ? error.message : "The query cannot be parsed.";
      return errorResponse(400, "GRAPHQL_PARSE_FAILED", message);
    }
    const operationName = typeof request.operationName === "string" ? request.operationName : undefined;
    const { cost, depth, problems } = estimateQueryCost(
      document,
      variables as Record<string, unknown>,
      operationName,
    );
    // Depth first: a too-deep query is also over budget, and the depth is the limit to name.
    if (depth > API_LIMITS.graphqlMaxDepth) {
      return errorResponse(
        400,
        "DEPTH_LIMIT",
        `Query depth limit of ${API_LIMITS.graphqlMaxDepth} exceeded, found ${depth}.`,
      );
    }
    if (problems.length) {
      const [first] = problems;
      return errorResponse(400, first!.code, problems.map((p) => p.message).join(" "), {
        ...(first!.code === "QUERY_TOO_EXPENSIVE"
          ? { cost: first!.cost ?? null, maxCost: QUERY_COST_LIMITS.maxCost }
          : {}),
      });
    }
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error("deadline")), API_LIMITS.graphqlDeadlineMs);
    // The deadline, or the client closing its connection, stops the request and its SQL.
    const signal = AbortSignal.any([deadline.signal, c.req.raw.signal]);
    c.req.raw = new Request(c.req.raw.url, { method: "POST", headers: c.req.raw.headers, body: body.text });
    const stopped = new Promise<Response>((resolve) => {
      const answer = () =>
        resolve(
          errorResponse(
            503,
            "DEADLINE_EXCEEDED",
            `The query did not finish within ${API_LIMITS.graphqlDeadlineMs / 1000} s; ask for fewer rows or retry later.`,
          ),
        );
      if (signal.aborted) answer();
      else signal.addEventListener("abort", answer, { once: true });
    });
    try {
      const work = lanes.run(cost, signal, async () => (await ponder(c, next)) ?? c.res);
      work.catch(() => undefined); // after the deadline nobody awaits it; it ends as its statements are cancelled
      const response = await Promise.race([work, stopped]);
      return await withHonestStatus(response);
    } catch (error) {
      if (error instanceof AdmissionRefusedError) {
        const code = error.lane === "GraphQL" ? "TOO_MANY_QUERIES" : "TOO_MANY_EXPENSIVE_QUERIES";
        const refused = errorResponse(429, code, error.message, {
          retryAfterSeconds: error.retryAfterSeconds,
        });
        refused.headers.set("retry-after", String(error.retryAfterSeconds));
        return refused;
      }
      if (signal.aborted) return await stopped;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Ponder answers every GraphQL error 200: a caller's mistake becomes 400, a masked failure 500. */
async function withHonestStatus(response: Response): Promise<Response> {
  if (response.status !== 200) return new Response(response.body, response);
  const text = await response.text();
  let status = 200;
  if (text.startsWith('{"errors"')) {
    try {
      const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[]; data?: unknown };
      const codes = (parsed.errors ?? []).map((e) => e.extensions?.code ?? "");
      // A masked failure is Ponder's or ours (500); any other error without data is the query's (400).
      if (parsed.data == null && codes.length) status = codes.includes("INTERNAL_SERVER_ERROR") ? 500 : 400;
    } catch {
      // not JSON after all: pass it on as it is
    }
  }
  return new Response(text, { status, headers: response.headers });
}
