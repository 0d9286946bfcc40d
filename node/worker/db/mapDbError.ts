import { RetryableError } from "../../../config/errors/BaseError.ts";

/** Socket-level failures: the server is down, restarting or unreachable. */
const RETRYABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/** SQLSTATEs after which the same statement may succeed: the server went away or a transaction lost a race. */
const RETRYABLE_SQLSTATES = new Set([
  "57P01", // admin_shutdown (also pg_terminate_backend)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, in recovery)
  "53300", // too_many_connections
  "40001", // serialization_failure
  "40P01", // deadlock_detected
]);

/** What node-postgres says when the socket closed under it; these errors carry no code. */
const RETRYABLE_MESSAGES = [
  "Connection terminated",
  "connection error and is not queryable",
  "timeout exceeded when trying to connect",
  "Client was closed and is not queryable",
  "terminating connection",
];

export class DatabaseUnavailableError extends RetryableError {
  override name = "DatabaseUnavailableError";
}

export function isRetryableDbError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (RETRYABLE_SOCKET_CODES.has(code) || RETRYABLE_SQLSTATES.has(code)) return true;
    if (code.startsWith("08")) return true; // class 08: connection exception
  }
  // AggregateError (a host with IPv4 and IPv6 addresses both refusing) hides the codes inside.
  if (error instanceof AggregateError && error.errors.some(isRetryableDbError)) return true;
  return RETRYABLE_MESSAGES.some((m) => error.message.includes(m));
}

/**
 * Turns a connection-level failure into a `DatabaseUnavailableError` (a RetryableError) and leaves every
 * other error (a constraint violation, a syntax error) as it is: those repeat on retry.
 */
export function mapDbError(error: unknown): unknown {
  if (error instanceof RetryableError || !isRetryableDbError(error)) return error;
  const code = (error as { code?: unknown }).code;
  return new DatabaseUnavailableError("The worker database is unreachable or dropped the connection.", {
    cause: error,
    hint: "Retry later; check that Postgres is running and DATABASE_URL points at it.",
    meta: typeof code === "string" ? { code } : {},
  });
}
