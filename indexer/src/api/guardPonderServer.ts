import http from "node:http";
import { type BrowserGuardOptions, judgeBrowserRequest, refusalBody } from "./browserGuard.ts";

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const GUARDED = Symbol.for("olnode.indexer.guardPonderServer");

/** Methods and headers a preflight may ask for: what GraphQL, /sql and REST clients send. */
const PREFLIGHT = {
  methods: "GET, POST, HEAD, OPTIONS",
  headers: "content-type, accept, authorization, x-requested-with",
  maxAgeSeconds: 600,
};

/**
 * Wraps a request listener with the browser guard (browserGuard.ts), for every route of the server:
 * - a refused request (foreign Host on a loopback bind, another web origin) gets 403 before anything runs;
 * - a CORS preflight (OPTIONS with Access-Control-Request-Method) is answered here: 204 naming the origin
 *   if `indexer.corsOrigins` lists it, 403 otherwise;
 * - every other response loses Ponder's `Access-Control-Allow-Origin: *`, and names the origin instead when
 *   it is allowed.
 */
export function guardListener(options: BrowserGuardOptions, listener: Listener): Listener {
  return (req, res) => {
    const verdict = judgeBrowserRequest(options, (name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    });
    if (!verdict.ok) {
      req.resume();
      res.writeHead(403, { "content-type": "application/json; charset=utf-8", connection: "close" });
      res.end(refusalBody(verdict));
      return;
    }
    const corsHeaders: Record<string, string> = verdict.allowOrigin
      ? { "access-control-allow-origin": verdict.allowOrigin, vary: "Origin" }
      : {};
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
      req.resume();
      if (!verdict.allowOrigin) {
        // A preflight always carries Origin; one the guard let through is same-origin and needs no CORS.
        res.writeHead(204, { vary: "Origin" });
        res.end();
        return;
      }
      res.writeHead(204, {
        ...corsHeaders,
        "access-control-allow-methods": PREFLIGHT.methods,
        "access-control-allow-headers": PREFLIGHT.headers,
        "access-control-max-age": String(PREFLIGHT.maxAgeSeconds),
      });
      res.end();
      return;
    }
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => http.ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      res.removeHeader("access-control-allow-origin");
      const i = args.findIndex((a) => typeof a === "object" && a !== null);
      if (i >= 0) args[i] = rewriteHeaders(args[i] as http.OutgoingHttpHeaders | string[], corsHeaders);
      else args.push(corsHeaders);
      return writeHead(...args);
    }) as typeof res.writeHead;
    listener(req, res);
  };
}

function rewriteHeaders(
  headers: http.OutgoingHttpHeaders | string[],
  cors: Record<string, string>,
): http.OutgoingHttpHeaders | string[] {
  if (Array.isArray(headers)) {
    const out: string[] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (headers[i]!.toLowerCase() !== "access-control-allow-origin") out.push(headers[i]!, headers[i + 1]!);
    }
    for (const [k, v] of Object.entries(cors)) out.push(k, v);
    return out;
  }
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== "access-control-allow-origin") out[k] = v;
  }
  return { ...out, ...cors };
}

/**
 * Puts the browser guard in front of Ponder's HTTP server, which answers CORS preflights and its own
 * /health, /ready, /status and /metrics before our Hono app sees a request (ponder/dist/esm/server: its
 * `cors({ origin: "*" })` comes first). Ponder creates that server with `http.createServer` after loading the
 * API file, so the API file calls this: the request listener of every HTTP server created afterwards in this
 * process (`ponder start` creates one) is wrapped by guardListener. Installing twice is a no-op.
 */
export function guardPonderServer(options: BrowserGuardOptions): void {
  const target = http as unknown as { createServer: (...args: unknown[]) => http.Server } & {
    [GUARDED]?: true;
  };
  if (target[GUARDED]) return;
  const createServer = target.createServer;
  target.createServer = function (this: unknown, ...args: unknown[]) {
    const i = args.findIndex((a) => typeof a === "function");
    if (i >= 0) args[i] = guardListener(options, args[i] as Listener);
    return createServer.apply(this, args);
  };
  target[GUARDED] = true;
}
