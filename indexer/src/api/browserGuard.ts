import type { MiddlewareHandler } from "hono";
import { checkHost } from "../../../config/http/checkHost.ts";

export type BrowserGuardOptions = {
  /** The address the indexer listens on: a loopback bind answers loopback Host names only. */
  bindHost: string;
  /** Web origins allowed to use the API from a browser (`indexer.corsOrigins`). */
  corsOrigins: readonly string[];
};

/** What the guard decides about one request from its headers. */
export type BrowserVerdict =
  | { ok: true /** The origin to name in Access-Control-Allow-Origin, if any. */; allowOrigin?: string }
  | { ok: false; code: "HOST_NOT_ALLOWED" | "ORIGIN_NOT_ALLOWED"; message: string };

/**
 * Keeps web pages from using a node's API through its operator's browser:
 * - on a loopback bind, a Host that is not a loopback name is refused (DNS rebinding);
 * - a request from another web origin (its `Origin`, or `Sec-Fetch-Site: cross-site` on a plain GET) is
 *   refused unless the origin is in `indexer.corsOrigins`; same-origin pages (GraphiQL) pass;
 * - an allowed origin is named in Access-Control-Allow-Origin, no other (never `*`).
 * Clients that are not browsers send neither header and are not affected.
 */
export function judgeBrowserRequest(
  options: BrowserGuardOptions,
  header: (name: string) => string | undefined,
): BrowserVerdict {
  const host = header("host");
  const hostProblem = checkHost(options.bindHost, host);
  if (hostProblem) return { ok: false, code: "HOST_NOT_ALLOWED", message: hostProblem };
  const origin = header("origin");
  const sameOrigin =
    origin !== undefined && host !== undefined && /^https?:\/\/(.*)$/.exec(origin)?.[1] === host;
  const site = header("sec-fetch-site");
  const crossSite =
    origin !== undefined ? !sameOrigin && origin !== "null" : site === "cross-site" || site === "same-site";
  const allowed = origin !== undefined && options.corsOrigins.includes(origin);
  if ((crossSite || origin === "null") && !allowed) {
    return {
      ok: false,
      code: "ORIGIN_NOT_ALLOWED",
      message: `Requests from web origin ${JSON.stringify(origin ?? `(${site})`)} are refused. An operator can allow an explorer's origin with indexer.corsOrigins (OLNODE__INDEXER__CORS_ORIGINS).`,
    };
  }
  return allowed ? { ok: true, allowOrigin: origin } : { ok: true };
}

export const refusalBody = (verdict: Extract<BrowserVerdict, { ok: false }>) =>
  JSON.stringify({ error: { code: verdict.code, message: verdict.message } });

/**
 * The guard as Hono middleware of our app. guardPonderServer.ts applies the same verdict in front of Ponder's
 * whole server (its CORS preflights, /health, /metrics…); this one stays so our routes are guarded even if
 * that hook were ever not installed.
 */
export function browserGuard(options: BrowserGuardOptions): MiddlewareHandler {
  return async (c, next) => {
    const verdict = judgeBrowserRequest(options, (name) => c.req.header(name));
    if (!verdict.ok) {
      return new Response(refusalBody(verdict), {
        status: 403,
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    }
    await next();
    c.res.headers.delete("access-control-allow-origin");
    if (verdict.allowOrigin) {
      c.res.headers.set("access-control-allow-origin", verdict.allowOrigin);
      c.res.headers.append("vary", "Origin");
    }
  };
}
