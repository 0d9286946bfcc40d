/**
 * Admission control for one class of work (a "lane"): at most `concurrency` run at once, at most `queue` wait
 * in line (first come, first served), and anything beyond is refused at once with a Retry-After estimate
 * instead of piling up. A waiter whose signal aborts (its deadline, its client gone) leaves the line. A lane
 * may also be held to a share of wall time (`maxBusyShare`).
 */
export type AdmissionParameters = {
  /** Name of the lane, for messages and metrics. */
  name: string;
  /** How many run at once. */
  concurrency: number;
  /** How many may wait for a slot; one more is refused (AdmissionRefusedError). */
  queue: number;
  /**
   * The largest share of wall time the lane may be busy, in (0, 1] (default 1). After a run of t ms the lane
   * rests t × (1 / share − 1) ms before it admits the next: clients looping on expensive work then get only
   * that share of the process, whatever their number, and the rest of the API keeps the remainder.
   */
  maxBusyShare?: number;
};

export type Admission = {
  /**
   * Runs `work` once a slot is free. Rejects with AdmissionRefusedError when the line is full, or with the
   * signal's reason when it aborts while waiting. The slot is held until `work` settles.
   */
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly running: number;
  readonly waiting: number;
};

export class AdmissionRefusedError extends Error {
  override name = "AdmissionRefusedError";
  readonly lane: string;
  /** Whole seconds after which a retry may find room (at least 1). */
  readonly retryAfterSeconds: number;
  constructor(lane: string, retryAfterSeconds: number, message: string) {
    super(message);
    this.lane = lane;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

type Waiter = { admit: () => void; signal?: AbortSignal; onAbort?: () => void };

export function createAdmission(parameters: AdmissionParameters): Admission {
  const { name, concurrency, queue, maxBusyShare = 1 } = parameters;
  if (!(concurrency >= 1) || !(queue >= 0) || !(maxBusyShare > 0 && maxBusyShare <= 1)) {
    throw new RangeError(`admission ${name}: concurrency >= 1, queue >= 0, 0 < maxBusyShare <= 1`);
  }
  let running = 0;
  let restUntil = 0;
  let waking = false;
  const resting = () => performance.now() < restUntil;
  const line: Waiter[] = [];
  // How long a run takes, smoothed: the Retry-After of a refusal is the time the line ahead needs.
  let averageMs = 100;

  const next = () => {
    if (line.length && resting()) {
      if (!waking) {
        waking = true;
        setTimeout(() => {
          waking = false;
          next();
        }, restUntil - performance.now());
      }
      return;
    }
    while (running < concurrency && line.length) {
      const waiter = line.shift()!;
      if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      running++;
      waiter.admit();
    }
  };

  async function run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (running >= concurrency || resting() || line.length) {
      if (line.length >= queue) {
        const seconds = Math.max(
          1,
          Math.ceil(((averageMs / maxBusyShare) * (line.length + running)) / concurrency / 1000),
        );
        throw new AdmissionRefusedError(
          name,
          seconds,
          `${running} ${name} queries are running and ${line.length} are waiting, the most this indexer takes; retry in ${seconds} s`,
        );
      }
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { admit: resolve, signal };
        if (signal) {
          waiter.onAbort = () => {
            const i = line.indexOf(waiter);
            if (i >= 0) line.splice(i, 1);
            reject(signal.reason);
          };
          signal.addEventListener("abort", waiter.onAbort, { once: true });
        }
        line.push(waiter);
        next(); // a lane that is only resting wakes for it
      });
    } else {
      running++;
    }
    const started = performance.now();
    try {
      return await work();
    } finally {
      const ms = performance.now() - started;
      averageMs = 0.8 * averageMs + 0.2 * ms;
      if (maxBusyShare < 1) restUntil = Math.max(restUntil, performance.now() + ms * (1 / maxBusyShare - 1));
      running--;
      next();
    }
  }

  return {
    run,
    get running() {
      return running;
    },
    get waiting() {
      return line.length;
    },
  };
}
