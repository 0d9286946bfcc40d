/**
 * An API error with the status and a machine-readable code, rendered as
 * `{ "error": { "code", "message" } }`. Only thrown for the caller's mistakes (4xx); anything else is a 500
 * whose details stay in the log.
 */
export type HttpErrorCode =
  | "INVALID_ADDRESS"
  | "INVALID_ID"
  | "INVALID_LIMIT"
  | "INVALID_CURSOR"
  | "INVALID_QUERY"
  | "NOT_FOUND"
  | "EPOCH_NOT_CLOSED"
  | "NO_POINTS";

export type HttpError = Error & { status: 400 | 404 | 409; code: HttpErrorCode };

export function httpError(status: HttpError["status"], code: HttpErrorCode, message: string): HttpError {
  return Object.assign(new Error(message), { name: "HttpError", status, code });
}

export function isHttpError(error: unknown): error is HttpError {
  return error instanceof Error && error.name === "HttpError" && "status" in error && "code" in error;
}
