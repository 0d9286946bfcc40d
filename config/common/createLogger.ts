import { type Logger, type LoggerOptions, pino } from "pino";

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
    // Errors: keep the typed fields (shortMessage, hint) next to the stack.
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } },
    });
  }
  return parameters.destination ? pino(options, parameters.destination) : pino(options);
}
