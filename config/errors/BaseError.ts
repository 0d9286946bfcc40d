/**
 * The root of every error openledger-node throws on purpose.
 *
 * `shortMessage` says what went wrong for a human, `details` carries the cause's text, and `hint` says what to
 * do about it. `retryable` lets a worker loop decide without guessing: true means "the same call may succeed
 * later" (RPC down, database restarting), false means "fix the input or the config first".
 */
export type BaseErrorParameters = {
  cause?: unknown;
  details?: string;
  hint?: string;
  retryable?: boolean;
  /** Extra structured fields rendered into logs next to the message. */
  meta?: Record<string, unknown>;
};

export class BaseError extends Error {
  override name = "BaseError";
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly meta: Record<string, unknown>;

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const details =
      parameters.details ?? (parameters.cause instanceof Error ? parameters.cause.message : undefined);
    const lines = [shortMessage];
    if (details && details !== shortMessage) lines.push(`Details: ${details}`);
    if (parameters.hint) lines.push(`Hint: ${parameters.hint}`);
    super(lines.join("\n"), parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.hint = parameters.hint;
    this.retryable = parameters.retryable ?? false;
    this.meta = parameters.meta ?? {};
  }

  /** Follows `cause` to the innermost error, or to the first one `predicate` accepts. */
  walk(predicate?: (error: unknown) => boolean): unknown {
    return walkError(this, predicate);
  }
}

export function walkError(error: unknown, predicate?: (error: unknown) => boolean): unknown {
  let current: unknown = error;
  for (let depth = 0; depth < 32; depth++) {
    if (predicate?.(current)) return current;
    const next = current instanceof Error ? current.cause : undefined;
    if (next === undefined) return predicate ? undefined : current;
    current = next;
  }
  return predicate ? undefined : current;
}

/** A failure the caller may retry unchanged: a node is down, a connection dropped. */
export class RetryableError extends BaseError {
  override name = "RetryableError";
  constructor(shortMessage: string, parameters: Omit<BaseErrorParameters, "retryable"> = {}) {
    super(shortMessage, { ...parameters, retryable: true });
  }
}

/** A failure that repeats until a human changes the input or the configuration. */
export class NonRetryableUserError extends BaseError {
  override name = "NonRetryableUserError";
  constructor(shortMessage: string, parameters: Omit<BaseErrorParameters, "retryable"> = {}) {
    super(shortMessage, { ...parameters, retryable: false });
  }
}

/** True when `error`, or anything in its cause chain, is a BaseError marked retryable. */
export function isRetryable(error: unknown): boolean {
  return walkError(error, (e) => e instanceof BaseError && e.retryable) !== undefined;
}
