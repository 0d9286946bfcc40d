/**
 * DNS rebinding guard for HTTP servers bound to loopback. A web page on evil.example can make its name resolve
 * to 127.0.0.1 and then talk to a local node as a same-origin page; the one thing it cannot forge is the Host
 * header, which names evil.example. So a server listening on loopback only answers Host values that are
 * loopback names (any port); one bound to a routable interface answers any Host (it is reachable anyway, and
 * a reverse proxy may set its own).
 */
const LOOPBACK_BINDS = new Set(["127.0.0.1", "::1", "[::1]", "localhost"]);
const LOOPBACK_NAMES = new Set(["127.0.0.1", "[::1]", "localhost"]);

export function isLoopbackBind(bindHost: string): boolean {
  return LOOPBACK_BINDS.has(bindHost.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(bindHost);
}

/** The hostname of a Host header without its port; undefined when it is not one. */
function hostnameOf(host: string): string | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec(host.trim());
  return m?.[1]?.toLowerCase();
}

/**
 * Undefined when a request with this Host header may be served by a server bound to `bindHost`; otherwise
 * the problem, for a 403 body.
 */
export function checkHost(bindHost: string, host: string | undefined): string | undefined {
  if (!isLoopbackBind(bindHost)) return undefined;
  const name = host === undefined ? undefined : hostnameOf(host);
  if (name && (LOOPBACK_NAMES.has(name) || /^127\.\d+\.\d+\.\d+$/.test(name))) {
    return undefined;
  }
  return `Host ${JSON.stringify(host ?? "")} is not served: this server listens on loopback (${bindHost}) and answers only localhost, 127.0.0.1 or [::1] (a guard against DNS rebinding). Use one of those names, or bind to a routable interface behind your proxy.`;
}
