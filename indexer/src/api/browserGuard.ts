import type { MiddlewareHandler } from "hono";
import { checkHost } from "../../../config/http/checkHost.ts";

const forbidden = (code: string, message: string) =>
  new Response(JSON.stringify({ error: { code, message } }), {
    status: 403,
    headers: { "content-type": "application/json; charset=utf-8" },
  });

/**
 * Keeps web pages from using a node's API through its operator's browser. Ponder answers every route with
 * `Access-Control-Allow-Origin: *` (and its preflights, which never reach this app); here, before anything
 * runs:
 * - on a loopback bind, a Host that is not a loopback name is refused (DNS rebinding);
 * - a request from another web origin (its `Origin`, or `Sec-Fetch-Site: cross-site` on a plain GET) is
 *   refused unless the origin is in `indexer.corsOrigins`; same-origin pages (GraphiQL) pass;
 * and the CORS header names the allowed origin instead of `*`, or is removed.
 * Clients that are not browsers send neither header and are not affected.
 */
export function browserGuard(options: {
  bindHost: string;
  corsOrigins: readonly string[];
}): MiddlewareHandler {
  const allowed = new Set(options.corsOrigins);
  return async (c, next) => {
    const host = c.req.header("host");
    const hostProblem = checkHost(options.bindHost, host);
    if (hostProblem) return forbidden("HOST_NOT_ALLOWED", hostProblem);
    const origin = c.req.header("origin");
    const sameOrigin =
      origin !== undefined && host !== undefined && /^https?:\/\/(.*)$/.exec(origin)?.[1] === host;
    const site = c.req.header("sec-fetch-site");
    const crossSite =
      origin !== undefined ? !sameOrigin && origin !== "null" : site === "cross-site" || site === "same-site";
    if ((crossSite || origin === "null") && !(origin && allowed.has(origin))) {
      return forbidden(
        "ORIGIN_NOT_ALLOWED",
        `Requests from web origin ${JSON.stringify(origin ?? `(${site})`)} are refused. An operator can allow an explorer's origin with indexer.corsOrigins (OLNODE__INDEXER__CORS_ORIGINS).`,
      );
    }
    await next();
    c.res.headers.delete("access-control-allow-origin");
    if (origin && allowed.has(origin)) {
      c.res.headers.set("access-control-allow-origin", origin);
      c.res.headers.append("vary", "Origin");
    }
  };
}
