/**
 * The first line of whatever was thrown, for logs and status pages: viem and pg put pages of detail after it,
 * and a throw is not always an Error.
 */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] || "unknown error";
}
