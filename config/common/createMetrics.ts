import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export const METRICS_PREFIX = "olnode_";

export type Metrics = {
  registry: Registry;
  counter<L extends string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  histogram<L extends string>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames?: readonly L[],
  ): Histogram<L>;
  /** Prometheus text exposition of every metric. */
  render(): Promise<string>;
};

/**
 * A Prometheus registry whose metric names all carry the `olnode_` prefix. Asking twice for the same name
 * returns the same metric, so a subsystem restarted in-process (tests, reconnects) does not throw.
 */
export function createMetrics(parameters: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (parameters.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX });
  const full = (name: string) => (name.startsWith(METRICS_PREFIX) ? name : `${METRICS_PREFIX}${name}`);
  function existing<T>(name: string): T | undefined {
    return registry.getSingleMetric(full(name)) as T | undefined;
  }
  return {
    registry,
    counter(name, help, labelNames = []) {
      return (
        existing(name) ??
        new Counter({ name: full(name), help, labelNames: [...labelNames], registers: [registry] })
      );
    },
    gauge(name, help, labelNames = []) {
      return (
        existing(name) ??
        new Gauge({ name: full(name), help, labelNames: [...labelNames], registers: [registry] })
      );
    },
    histogram(name, help, buckets, labelNames = []) {
      return (
        existing(name) ??
        new Histogram({
          name: full(name),
          help,
          buckets: [...buckets],
          labelNames: [...labelNames],
          registers: [registry],
        })
      );
    },
    render: () => registry.metrics(),
  };
}
