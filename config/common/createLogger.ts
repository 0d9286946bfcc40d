import { type Logger, type LoggerOptions, pino } from "pino";
import { maskUrlsInText } from "../maskUrl.ts";

export type { Logger };

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export type LogFormat = "json" | "pretty" | "auto";

export type CreateLoggerParameters = {
  level?: LogLevel;
  /** `auto` = pretty when stdout is a TTY, JSON otherwise (what log shippers want). */
  format?: LogFormat;
  name?: string;
  /** Where JSON lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
};

/**
 * Field names whose values are never written to a log, wherever they appear (up to two levels deep).
 * A key in a log line would be an incident; redaction is the last line of defence, not the first.
 */
export const REDACTED_KEYS = [
  "privateKey",
  "password",
  "passphrase",
  "secret",
  "mnemonic",
  "keystorePassword",
  "authorization",
  "databaseUrl",
];

/** Every string in a log line with its URLs masked (an RPC URL in an error, a database URL in a field). */
function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return maskUrlsInText(value);
  if (depth > 4 || typeof value !== "object" || value === null || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

const maskedError = (error: Error) => maskDeep(pino.stdSerializers.err(error));

export function createLogger(parameters: CreateLoggerParameters = {}): Logger {
  const format = parameters.format ?? "auto";
  const pretty =
    format === "pretty" || (format === "auto" && process.stdout.isTTY === true && !parameters.destination);
  const options: LoggerOptions = {
    level: parameters.level ?? "info",
    base: parameters.name ? { service: parameters.name } : {},
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
      censor: "[redacted]",
    },
    // Errors: keep the typed fields (shortMessage, hint) next to the stack; URLs in them masked.
    serializers: { err: maskedError, error: maskedError },
    formatters: { log: (object) => maskDeep(object) as Record<string, unknown> },
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } },
    });
  }
  return parameters.destination ? pino(options, parameters.destination) : pino(options);
}
