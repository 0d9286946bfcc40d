import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Common } from "../../config/common/createCommon.ts";
import { checkHost } from "../../config/http/checkHost.ts";

/** A readiness check: `ok` false keeps /ready at 503, with `reason` in the body for the operator. */
export type ReadinessCheck = () =>
  | { ok: boolean; reason?: string }
  | Promise<{ ok: boolean; reason?: string }>;

export type NodeHttpServerOptions = {
  host: string;
  port: number;
  /** Named checks that must all pass for /ready (synced, peered, …). */
  readiness: Record<string, ReadinessCheck>;
  /** The /status document: heads, lag, peers, epoch, points. */
  status: () => unknown | Promise<unknown>;
  /**
   * Extra read-only routes by path prefix (e.g. `/reports/`); a handler returning undefined means 404, one
   * that throws an HttpClientError answers its 4xx.
   */
  routes?: Record<string, (path: string) => Promise<HttpReply | undefined>>;
};

export type HttpReply = {
  status: number;
  body: string | Uint8Array;
  contentType: string;
  headers?: Record<string, string>;
};

export type NodeHttpServer = { url: string; port: number; close(): Promise<void> };

/** The caller's mistake (a malformed path, a number out of range): answered with its status, not a 500. */
export class HttpClientError extends Error {
  override name = "HttpClientError";
  readonly status: 400 | 403 | 404;
  constructor(status: 400 | 403 | 404, message: string) {
    super(message);
    this.status = status;
  }
}

/** The path of a request target, or undefined when the target is not one (`http://[`, `//[x]`). */
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? "/", "http://x").pathname;
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2));
}

/**
 * The node's operational HTTP endpoints: `/health` (the process is alive and serving), `/ready` (every
 * readiness check passes, else 503 with the failing reasons), `/status` (JSON), `/metrics` (Prometheus;
 * `olnode_ready` and `olnode_ready_check{check}` carry the readiness checks, evaluated at each scrape).
 * Read-only, no request bodies: safe to expose to a load balancer.
 */
export async function createNodeHttpServer(
  common: Common,
  options: NodeHttpServerOptions,
): Promise<NodeHttpServer> {
  const { logger, metrics, shutdown } = common;
  const requests = metrics.counter("http_requests_total", "Requests to the node's HTTP server", [
    "route",
    "code",
  ]);
  // What /ready answers, for alerting without a probe: refreshed on every /ready and /metrics request.
  const ready = metrics.gauge("ready", "1 when every readiness check passes (/ready answers 200), else 0");
  const readyCheck = metrics.gauge("ready_check", "1 when this readiness check passes, else 0", ["check"]);

  /** Runs every readiness check (a check that throws fails with its message) and updates the gauges. */
  async function checkReadiness() {
    const results = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => {
        try {
          return [name, await check()] as const;
        } catch (error) {
          return [name, { ok: false, reason: (error as Error).message }] as const;
        }
      }),
    );
    const ok = results.every(([, r]) => r.ok) && !shutdown.isShuttingDown();
    for (const [name, r] of results) readyCheck.set({ check: name }, r.ok ? 1 : 0);
    ready.set(ok ? 1 : 0);
    return { ok, results };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = pathOf(req.url);
    if (path === undefined) {
      json(res, 400, { error: `Malformed request target ${JSON.stringify(req.url?.slice(0, 200))}.` });
      return "400";
    }
    const hostProblem = checkHost(options.host, req.headers.host);
    if (hostProblem) {
      json(res, 403, { error: hostProblem });
      return "403";
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return "405";
    }
    switch (path) {
      case "/health":
        json(res, shutdown.isShuttingDown() ? 503 : 200, {
          status: shutdown.isShuttingDown() ? "stopping" : "ok",
        });
        return String(res.statusCode);
      case "/ready": {
        const { ok, results } = await checkReadiness();
        json(res, ok ? 200 : 503, {
          ready: ok,
          checks: Object.fromEntries(results.map(([n, r]) => [n, r.ok ? "ok" : (r.reason ?? "not ready")])),
        });
        return String(res.statusCode);
      }
      case "/status":
        json(res, 200, await options.status());
        return "200";
      case "/metrics":
        await checkReadiness();
        res.writeHead(200, { "content-type": metrics.registry.contentType });
        res.end(await metrics.render());
        return "200";
      default: {
        for (const [prefix, route] of Object.entries(options.routes ?? {})) {
          if (!path.startsWith(prefix)) continue;
          const reply = await route(path);
          if (!reply) break;
          res.writeHead(reply.status, { "content-type": reply.contentType, ...reply.headers });
          res.end(reply.body);
          return String(reply.status);
        }
        json(res, 404, { error: `No route ${path}. Routes: /health, /ready, /status, /metrics.` });
        return "404";
      }
    }
  }

  // Metric labels from a fixed set: raw paths would let any client grow the registry without bound.
  const fixed = new Set(["/health", "/ready", "/status", "/metrics"]);
  const routeLabel = (path: string | undefined) =>
    path === undefined
      ? "other"
      : fixed.has(path)
        ? path
        : (Object.keys(options.routes ?? {}).find((p) => path.startsWith(p)) ?? "other");

  const server = createServer((req, res) => {
    const route = routeLabel(pathOf(req.url));
    handle(req, res)
      .then((code) => requests.inc({ route, code }))
      .catch((error) => {
        if (error instanceof HttpClientError) {
          if (!res.headersSent) json(res, error.status, { error: error.message });
          else res.end();
          requests.inc({ route, code: String(error.status) });
          return;
        }
        logger.error({ msg: "HTTP handler failed", error, url: req.url });
        requests.inc({ route, code: "500" });
        if (!res.headersSent) json(res, 500, { error: "internal error" });
        else res.end();
      });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  shutdown.add("http server", close);
  logger.info({ msg: "Node HTTP server listening", url });
  return { url, port, close };
}
