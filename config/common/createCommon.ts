import { readTestHooks } from "../testHooks.ts";
import { type CreateLoggerParameters, createLogger, type Logger } from "./createLogger.ts";
import { createMetrics, type Metrics } from "./createMetrics.ts";
import { createShutdown, type Shutdown } from "./createShutdown.ts";

/**
 * What every subsystem factory takes first: one logger, one metrics registry and one shutdown controller,
 * passed down instead of globals so tests can run several nodes in one process.
 */
export type Common = {
  logger: Logger;
  metrics: Metrics;
  shutdown: Shutdown;
};

export type CreateCommonParameters = CreateLoggerParameters & {
  logger?: Logger;
  metrics?: Metrics;
  defaultMetrics?: boolean;
};

export function createCommon(parameters: CreateCommonParameters = {}): Common {
  const logger = parameters.logger ?? createLogger(parameters);
  return {
    logger,
    metrics: parameters.metrics ?? createMetrics({ defaultMetrics: parameters.defaultMetrics ?? true }),
    shutdown: createShutdown({ logger }),
  };
}

/** A quiet Common for unit tests: logs at `silent` unless the test hook asks for more (config/testHooks.ts). */
export function createTestCommon(name = "test"): Common {
  return createCommon({ name, level: readTestHooks().logLevel, format: "json", defaultMetrics: false });
}
