import type { Address, PublicClient } from "viem";
import { isAssigned } from "../../contracts/assignment.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { notYet, waitFor } from "../harness/waitFor.ts";

export type ScenarioSubject = {
  kind: 0 | 1;
  id: bigint;
  label: string;
  /**
   * Its data never becomes available: workers only decide it once the epoch is past their availability
   * deadline, so the driver mines up to that point instead of waiting for it in real time.
   */
  unavailable?: boolean;
};

export type EpochDriver = {
  currentEpoch(): Promise<bigint>;
  epochLength(): Promise<bigint>;
  /** The first block (counted from the epoch's start) at which workers call missing data unavailable. */
  availabilityDeadlineBlock(): Promise<bigint>;
  /** Mines (anvil_mine) until the head is `blockInEpoch` blocks into the current epoch, if it is not yet. */
  mineTo(blockInEpoch: bigint): Promise<void>;
  /**
   * Lets the workers decide `subjects`, epoch after epoch, until every one is finalized on-chain: in each
   * epoch, waits until every open subject is finalized or all its assigned workers have attested, mining to the
   * availability deadline when only unavailable ones are left, then mines to the next epoch (a subject with
   * fewer than a quorum of assigned workers, or whose workers split, is decided under the next epoch's seed).
   */
  settle(
    subjects: ScenarioSubject[],
    options?: { maxEpochs?: number; stepTimeoutMs?: number },
  ): Promise<void>;
};

const mine = (publicClient: PublicClient, blocks: bigint) =>
  blocks > 0n
    ? publicClient.request({ method: "anvil_mine" as never, params: [`0x${blocks.toString(16)}`] as never })
    : Promise.resolve();

export function createEpochDriver(parameters: {
  publicClient: PublicClient;
  epochManager: Address;
  workers: Address[];
  /** Fraction of an epoch after which workers reject what they could not fetch (createWorker's default). */
  availabilityDeadline?: number;
  onProgress?: (message: string) => void;
}): EpochDriver {
  const { publicClient } = parameters;
  const em = { address: parameters.epochManager, abi: epochManagerAbi } as const;
  const progress = parameters.onProgress ?? (() => {});
  let constants: { genesis: bigint; length: bigint } | undefined;

  async function epochConstants() {
    constants ??= {
      genesis: await publicClient.readContract({ ...em, functionName: "genesisBlock" }),
      length: await publicClient.readContract({ ...em, functionName: "epochLength" }),
    };
    return constants;
  }

  async function position() {
    const { genesis, length } = await epochConstants();
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    const epoch = (head - genesis) / length;
    return { head, epoch, into: head - genesis - epoch * length, length };
  }

  const finalized = async (s: ScenarioSubject) =>
    (await publicClient.readContract({ ...em, functionName: "outcomeOf", args: [s.kind, s.id] })).verdict !==
    0;

  /** Decided, or every worker the epoch's seed assigned has voted (nothing more can happen this epoch). */
  async function done(s: ScenarioSubject, epoch: bigint, seed: `0x${string}`, threshold: bigint) {
    if (await finalized(s)) return true;
    for (const worker of parameters.workers) {
      if (!isAssigned({ seed, kind: s.kind, subjectId: s.id, worker, threshold })) continue;
      const verdict = await publicClient.readContract({
        ...em,
        functionName: "verdictOf",
        args: [epoch, s.kind, s.id, worker],
      });
      if (verdict === 0) return false;
    }
    return true;
  }

  const deadlineBlock = (length: bigint) =>
    BigInt(Math.ceil(Number(length) * (parameters.availabilityDeadline ?? 2 / 3)));

  async function mineTo(blockInEpoch: bigint) {
    const p = await position();
    await mine(publicClient, blockInEpoch - p.into);
  }

  return {
    currentEpoch: async () => (await position()).epoch,
    epochLength: async () => (await epochConstants()).length,
    availabilityDeadlineBlock: async () => deadlineBlock((await epochConstants()).length),
    mineTo,
    async settle(subjects, options = {}) {
      const maxEpochs = options.maxEpochs ?? 6;
      const stepTimeoutMs = options.stepTimeoutMs ?? 60_000;
      const missed: string[] = [];
      for (let round = 0; round < maxEpochs; round++) {
        const open: ScenarioSubject[] = [];
        for (const s of subjects) if (!(await finalized(s))) open.push(s);
        if (open.length === 0) return;
        const { epoch, length } = await position();
        const info = await waitFor(`epoch ${epoch} to be started by a worker`, async () => {
          const e = await publicClient.readContract({ ...em, functionName: "getEpoch", args: [epoch] });
          return e.started ? e : undefined;
        });
        const [seed, , threshold] = await publicClient.readContract({
          ...em,
          functionName: "assignmentOf",
          args: [epoch],
        });
        progress(
          `epoch ${epoch} (seed ${info.seed.slice(0, 10)}): ${open.map((s) => s.label).join(", ")} open`,
        );
        const waitDone = async (which: ScenarioSubject[], what: string) => {
          try {
            await waitFor(
              what,
              async () => {
                const waiting = [];
                for (const s of which) if (!(await done(s, epoch, seed, threshold))) waiting.push(s.label);
                return waiting.length === 0 || notYet(`not decided, votes missing: ${waiting.join(", ")}`);
              },
              { timeoutMs: stepTimeoutMs, intervalMs: 500 },
            );
          } catch (error) {
            // A worker may abstain (it never attests): the subject goes on to the next epoch's workers.
            progress(`${(error as Error).message}; moving on`);
            missed.push((error as Error).message.split("\n").slice(0, 2).join(" "));
          }
        };
        await waitDone(
          open.filter((s) => !s.unavailable),
          `epoch ${epoch}'s assigned workers to attest the available subjects`,
        );
        if (open.some((s) => s.unavailable)) {
          await mineTo(deadlineBlock(length));
          await waitDone(open, `epoch ${epoch}'s assigned workers to attest past the availability deadline`);
        }
        const stillOpen = [];
        for (const s of open) if (!(await finalized(s))) stillOpen.push(s);
        if (stillOpen.length === 0) return;
        // Only if the epoch has not moved on by itself meanwhile.
        if ((await position()).epoch === epoch) await mineTo(length);
      }
      const left = [];
      for (const s of subjects) if (!(await finalized(s))) left.push(s.label);
      if (left.length)
        throw new Error(
          `Not finalized after ${maxEpochs} epochs: ${left.join(", ")} (epoch ${(await position()).epoch}); epochs that gave up waiting:\n${missed.join("\n")}`,
        );
    },
  };
}
