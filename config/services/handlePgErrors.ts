import type pg from "pg";
import type { Logger } from "../common/createLogger.ts";

/**
 * Postgres' "the server is going away" codes: 57P01 admin_shutdown (a fast or smart shutdown, e.g. the
 * terminal's Ctrl-C reached Postgres before us), 57P02 crash_shutdown, 57P03 cannot_connect_now.
 */
const SERVER_GOING_AWAY = new Set(["57P01", "57P02", "57P03"]);

export function isServerShutdownError(error: unknown): boolean {
  return SERVER_GOING_AWAY.has((error as { code?: unknown })?.code as string);
}

/**
 * pg emits 'error' on a connection the server drops while no query is running on it; with no listener that
 * is an uncaught exception that takes the whole process down. Every pool and client of this project goes
 * through here: the pool's idle clients, every client the pool creates (checked out or not), or a single
 * client. A server shutdown (57P01, expected while a devnet stops) is logged at debug, anything else at warn;
 * queries on the lost connection still reject, so callers see the failure where it matters.
 */
export function handlePgErrors(target: pg.Pool | pg.Client, logger: Logger | undefined, what: string): void {
  // One listener per connection: after a shutdown code, the socket's close ("Connection terminated
  // unexpectedly") is part of the same, expected, loss.
  const listener = () => {
    let goingAway = false;
    return (error: Error) => {
      goingAway ||= isServerShutdownError(error);
      const code = (error as { code?: string }).code;
      logger?.[goingAway ? "debug" : "warn"]({ msg: `${what}: connection lost`, error: error.message, code });
    };
  };
  if ("totalCount" in target) {
    // The pool re-emits its idle clients' errors; each client also gets its own, checked out or not.
    target.on("error", () => {});
    target.on("connect", (client) => {
      client.on("error", listener());
    });
  } else {
    target.on("error", listener());
  }
}
