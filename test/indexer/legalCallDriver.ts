import {
  type Address,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  keccak256,
  numberToHex,
  parseEther,
  toFunctionSelector,
} from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { attestCall } from "../../contracts/actions/attest.ts";
import { attestPointsRootCall } from "../../contracts/actions/attestPointsRoot.ts";
import { claimPointsCall } from "../../contracts/actions/claimPoints.ts";
import { claimRewardsCall } from "../../contracts/actions/claimRewards.ts";
import { heartbeatCall } from "../../contracts/actions/heartbeat.ts";
import { overrideContributionCall } from "../../contracts/actions/overrideContribution.ts";
import type { ProtocolCall } from "../../contracts/actions/protocolCall.ts";
import { recordInferenceCall } from "../../contracts/actions/recordInference.ts";
import { requestExitCall } from "../../contracts/actions/requestExit.ts";
import { setDailyLimitsCall } from "../../contracts/actions/setDailyLimits.ts";
import { startEpochCall } from "../../contracts/actions/startEpoch.ts";
import type { DeployedAddresses } from "../../contracts/deploy/deployContracts.ts";
import { SUBJECT_KIND } from "../../contracts/enums/subjectKind.ts";
import { VERDICT } from "../../contracts/enums/verdict.ts";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryAbi,
  pointsDistributorAbi,
} from "../../contracts/generated/index.ts";
import { buildPointsTree } from "../../contracts/merkle/pointsTree.ts";
import type { TestChain } from "../harness/anvil.ts";
import { createRandom, randomWeights } from "../harness/protocolActivity.ts";

/**
 * Drives random *legal* call sequences against the deployed protocol: whatever the contracts accept, in any
 * order — including what the devnet never does: closing epochs nobody started, owners flipping a status back
 * and forth, transfers, exits and re-registrations, claims for someone else, zero and extreme values, strings
 * with NUL, invalid UTF-8 and emoji. Every candidate call is simulated first; a call the contract refuses is
 * counted and skipped, so only legal calls land. Deterministic for a seed on a fresh chain.
 */
export type LegalCallDriverParameters = {
  chain: Pick<TestChain, "publicClient" | "walletClient" | "accounts" | "mine">;
  addresses: DeployedAddresses;
  seed: number | string;
  steps: number;
};

export type LegalCallDriverReturnType = {
  /** Calls that landed, by action. */
  landed: Record<string, number>;
  /** Calls the contracts refused in simulation, by action. */
  refused: Record<string, number>;
  /** Every address that sent or received anything, for per-account comparisons. */
  accounts: Address[];
};

/** A typed action's encoded call (contracts/actions), or a raw one where a string must be arbitrary bytes. */
type Call = { what: string; from: PrivateKeyAccount } & Pick<ProtocolCall, "to" | "data" | "value">;

/** Strings the chain accepts that a naive index gets wrong: NUL, invalid UTF-8, emoji, long, empty. */
function oddString(random: ReturnType<typeof createRandom>, tag: string): Hex {
  const utf8 = (s: string) => numberToHexBytes(new TextEncoder().encode(s));
  switch (random.int(0, 6)) {
    case 0:
      return utf8(`a\u0000b-${tag}`);
    case 1:
      return `0xff00fe${Buffer.from(tag).toString("hex")}`; // not UTF-8, with a NUL
    case 2:
      return utf8(`🦀 données ${tag} \u202e`);
    case 3:
      return utf8(`${tag}-${"x".repeat(random.int(100, 2000))}`);
    case 4:
      return utf8(`\u0000`);
    default:
      return utf8(`plain-${tag}`);
  }
}
function numberToHexBytes(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes).toString("hex")}`;
}

/** Encodes a call whose `string` parameters are given as raw bytes (same ABI encoding, real selector). */
function withRawStrings(signature: string, types: readonly string[], args: readonly unknown[]): Hex {
  const params = types.map((type) => ({ type: type === "string" ? "bytes" : type }));
  return `${toFunctionSelector(signature)}${encodeAbiParameters(params, args as never).slice(2)}`;
}

export async function driveLegalCalls(
  parameters: LegalCallDriverParameters,
): Promise<LegalCallDriverReturnType> {
  const { chain, addresses: a } = parameters;
  const { publicClient } = chain;
  const random = createRandom(parameters.seed);
  const landed: Record<string, number> = {};
  const refused: Record<string, number> = {};
  const accounts = chain.accounts.slice(0, 10);
  const admin = accounts[0]!;
  const anyone = () => random.pick(accounts);
  const pickOf = <T>(items: readonly T[]): T | undefined =>
    items.length === 0 ? undefined : random.pick(items);

  const [genesis, epochLength] = await Promise.all([
    publicClient.readContract({
      address: a.epochManager,
      abi: epochManagerAbi,
      functionName: "genesisBlock",
    }),
    publicClient.readContract({ address: a.epochManager, abi: epochManagerAbi, functionName: "epochLength" }),
  ]);
  const nextEpoch = async () => ((await publicClient.getBlockNumber()) + 1n - genesis) / epochLength;

  const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: unknown[] = []) =>
    publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>;

  /** Simulates, then sends and waits; false when the contract refuses it. */
  async function attempt(call: Call): Promise<boolean> {
    try {
      await publicClient.call({ account: call.from, to: call.to, data: call.data, value: call.value });
    } catch {
      refused[call.what] = (refused[call.what] ?? 0) + 1;
      return false;
    }
    const hash = await chain.walletClient(call.from).sendTransaction({
      to: call.to,
      data: call.data,
      value: call.value,
      gas: 3_000_000n,
      chain: undefined,
      account: call.from,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") {
      // Simulated against the head, mined one block later (an epoch may have turned): still legal to try.
      refused[call.what] = (refused[call.what] ?? 0) + 1;
      return false;
    }
    landed[call.what] = (landed[call.what] ?? 0) + 1;
    return true;
  }
  const fn = (abi: readonly unknown[], functionName: string, args: unknown[] = []) =>
    encodeFunctionData({ abi, functionName, args } as never);

  /** The test account that owns an Ownable2Step contract now, if any. */
  const ownerOf = async (address: Address) => {
    const owner = await read<Address>(address, attributionLedgerAbi, "owner");
    return accounts.find((x) => x.address === owner);
  };

  const counts = async () => ({
    datanets: await read<bigint>(a.datanetRegistry, datanetRegistryAbi, "datanetCount"),
    contributions: await read<bigint>(a.datanetRegistry, datanetRegistryAbi, "contributionCount"),
    models: await read<bigint>(a.modelRegistry, modelRegistryAbi, "modelCount"),
    inferences: await read<bigint>(a.attributionLedger, attributionLedgerAbi, "inferenceCount"),
  });
  const ids = (n: bigint) => Array.from({ length: Number(n) }, (_, i) => BigInt(i + 1));

  const actions: [weight: number, name: string, run: () => Promise<unknown>][] = [
    [
      3,
      "createDatanet",
      () =>
        attempt({
          what: "createDatanet",
          from: anyone(),
          to: a.datanetRegistry,
          data: withRawStrings(
            "createDatanet(string,string,string,uint32)",
            ["string", "string", "string", "uint32"],
            [
              oddString(random, "name"),
              oddString(random, "uri"),
              random.chance(0.5)
                ? numberToHexBytes(new TextEncoder().encode("text"))
                : oddString(random, "f"),
              random.pick([1, 4096, 65_536, 4 * 1024 * 1024]),
            ],
          ),
        }),
    ],
    [
      8,
      "contribute",
      async () => {
        const d = pickOf(ids((await counts()).datanets));
        if (d === undefined) return;
        const byteSize = BigInt(random.pick([1, 2, 1000, 65_536, 1_000_000]));
        const chunkCount = random.pick([1, 2, 16]);
        return attempt({
          what: "contribute",
          from: anyone(),
          to: a.datanetRegistry,
          data: withRawStrings(
            "contribute(uint256,bytes32,uint64,uint32,string,string)",
            ["uint256", "bytes32", "uint64", "uint32", "string", "string"],
            [
              d,
              keccak256(numberToHex(random.int(0, 2 ** 31))),
              byteSize,
              chunkCount,
              oddString(random, "lic"),
              oddString(random, "meta"),
            ],
          ),
        });
      },
    ],
    [
      4,
      "overrideContribution",
      async () => {
        const c = pickOf(ids((await counts()).contributions));
        if (c === undefined) return;
        const info = await read<{ datanetId: bigint }>(
          a.datanetRegistry,
          datanetRegistryAbi,
          "getContribution",
          [c],
        );
        const d = await read<{ owner: Address }>(a.datanetRegistry, datanetRegistryAbi, "getDatanet", [
          info.datanetId,
        ]);
        const owner = accounts.find((x) => x.address === d.owner);
        if (!owner) return;
        const status = random.pick(["accepted", "rejected"] as const);
        return attempt({
          what: "overrideContribution",
          from: owner,
          ...overrideContributionCall({ address: a.datanetRegistry, contributionId: c, status }),
        });
      },
    ],
    [
      2,
      "datanetOwnerAction",
      async () => {
        const d = pickOf(ids((await counts()).datanets));
        if (d === undefined) return;
        const info = await read<{ owner: Address }>(a.datanetRegistry, datanetRegistryAbi, "getDatanet", [d]);
        const owner = accounts.find((x) => x.address === info.owner);
        if (!owner) return;
        const roll = random.int(0, 2);
        const data =
          roll === 0
            ? fn(datanetRegistryAbi, "transferDatanetOwnership", [d, random.pick(accounts).address])
            : roll === 1
              ? setDailyLimitsCall({
                  address: a.datanetRegistry,
                  datanetId: d,
                  maxBytesPerDay: random.pick([1n, 1n << 40n, 2n ** 64n - 1n]),
                  maxContributionsPerDay: random.pick([1, 100_000, 2 ** 32 - 1]),
                }).data
              : withRawStrings(
                  "setDatanetMetadataURI(uint256,string)",
                  ["uint256", "string"],
                  [d, oddString(random, "meta2")],
                );
        return attempt({ what: "datanetOwnerAction", from: owner, to: a.datanetRegistry, data });
      },
    ],
    [
      2,
      "registerModel",
      async () => {
        const all = ids((await counts()).datanets);
        if (all.length === 0) return;
        const chosen = [...new Set(Array.from({ length: random.int(1, 3) }, () => random.pick(all)))];
        return attempt({
          what: "registerModel",
          from: anyone(),
          to: a.modelRegistry,
          data: withRawStrings(
            "registerModel(bytes32,bytes32,uint256[],string)",
            ["bytes32", "bytes32", "uint256[]", "string"],
            [
              keccak256(numberToHex(random.int(1, 1e9))),
              random.chance(0.5) ? `0x${"00".repeat(32)}` : keccak256(numberToHex(random.int(1, 1e9))),
              chosen,
              oddString(random, "model"),
            ],
          ),
        });
      },
    ],
    [
      1,
      "modelDeveloperAction",
      async () => {
        const m = pickOf(ids((await counts()).models));
        if (m === undefined) return;
        const dev = await read<Address>(a.modelRegistry, modelRegistryAbi, "modelDeveloper", [m]);
        const from = accounts.find((x) => x.address === dev);
        if (!from) return;
        const data = random.chance(0.5)
          ? fn(modelRegistryAbi, "transferModel", [m, random.pick(accounts).address])
          : withRawStrings(
              "setModelMetadataURI(uint256,string)",
              ["uint256", "string"],
              [m, oddString(random, "m2")],
            );
        return attempt({ what: "modelDeveloperAction", from, to: a.modelRegistry, data });
      },
    ],
    [
      5,
      "recordInference",
      async () => {
        const c = await counts();
        const m = pickOf(ids(c.models));
        if (m === undefined) return;
        const model = await read<{ datanetIds: readonly bigint[] }>(
          a.modelRegistry,
          modelRegistryAbi,
          "getModel",
          [m],
        );
        const usable: bigint[] = [];
        for (const id of ids(c.contributions)) {
          const info = await read<{ datanetId: bigint; status: number }>(
            a.datanetRegistry,
            datanetRegistryAbi,
            "getContribution",
            [id],
          );
          if (info.status === 2 && model.datanetIds.includes(info.datanetId)) usable.push(id);
        }
        if (usable.length === 0) return;
        const cited = [...new Set(Array.from({ length: random.int(1, 4) }, () => random.pick(usable)))].sort(
          (x, y) => (x < y ? -1 : 1),
        );
        const tokensIn = BigInt(random.pick([0, 1, 999, 100_000]));
        const tokensOut = BigInt(random.pick([0, 1, 1000, 50_000]));
        const fee = await read<bigint>(a.attributionLedger, attributionLedgerAbi, "quoteFee", [
          tokensIn,
          tokensOut,
        ]);
        // Any block the ledger takes as the corpus (the head, or up to 255 before it: the call lands one later),
        // and now and then one it refuses (not yet past, or older than MAX_CORPUS_AGE).
        const head = await publicClient.getBlockNumber();
        const back = BigInt(random.pick([0, 1, 2, 17, 100, 255, random.int(0, 255)]));
        const corpusBlock = random.chance(0.1)
          ? random.pick([head + 1n, head + 2n, head > 300n ? head - 300n : head + 3n])
          : head >= back
            ? head - back
            : 0n;
        return attempt({
          what: "recordInference",
          from: anyone(),
          ...recordInferenceCall({
            address: a.attributionLedger,
            modelId: m,
            outputRoot: keccak256(numberToHex(random.int(1, 1e9))),
            corpusBlock,
            tokensIn,
            tokensOut,
            contributionIds: cited,
            weights: randomWeights(random, cited.length),
            fee,
          }),
        });
      },
    ],
    [
      5,
      "workerLifecycle",
      // The next step a worker may take: register, then heartbeats and peer id updates, exit, withdraw, register again.
      async () => {
        const w = random.pick(accounts.slice(1));
        const info = await read<{ registered: boolean; activeUntilEpoch: bigint }>(
          a.epochManager,
          epochManagerAbi,
          "getWorker",
          [w.address],
        );
        const peerId = () => oddString(random, "peer").slice(0, 2 + 256) as Hex;
        const call: Call = !info.registered
          ? {
              what: "register",
              from: w,
              to: a.epochManager,
              value: parseEther(random.pick(["0.1", "0.25"])),
              data: withRawStrings("register(string)", ["string"], [peerId()]),
            }
          : info.activeUntilEpoch !== 2n ** 64n - 1n
            ? {
                what: "withdrawStake",
                from: w,
                to: a.epochManager,
                data: fn(epochManagerAbi, "withdrawStake"),
              }
            : random.chance(0.6)
              ? { what: "heartbeat", from: w, ...heartbeatCall({ address: a.epochManager }) }
              : random.chance(0.5)
                ? {
                    what: "updatePeerId",
                    from: w,
                    to: a.epochManager,
                    data: withRawStrings("updatePeerId(string)", ["string"], [peerId()]),
                  }
                : {
                    what: "requestExit",
                    from: w,
                    ...requestExitCall({ address: a.epochManager }),
                  };
        return attempt(call);
      },
    ],
    [
      10,
      "attest",
      async () => {
        const e = await nextEpoch();
        await attempt({
          what: "startEpoch",
          from: anyone(),
          ...startEpochCall({ address: a.epochManager }),
        });
        const c = await counts();
        const kind = random.chance(0.6) ? SUBJECT_KIND.contribution : SUBJECT_KIND.inference;
        // Open subjects: pending contributions, inferences not yet decided (the contract refuses the rest).
        const open: bigint[] = [];
        for (const id of ids(kind === SUBJECT_KIND.contribution ? c.contributions : c.inferences)) {
          const status =
            kind === SUBJECT_KIND.contribution
              ? await read<number>(a.datanetRegistry, datanetRegistryAbi, "contributionStatus", [id])
              : await read<number>(a.attributionLedger, attributionLedgerAbi, "inferenceStatus", [id]);
          if (status === 1) open.push(id);
        }
        const subject = pickOf(
          random.chance(0.9)
            ? open
            : ids(kind === SUBJECT_KIND.contribution ? c.contributions : c.inferences),
        );
        if (subject === undefined) return;
        const candidates = [];
        for (const w of accounts) {
          const assigned = await read<boolean>(a.epochManager, epochManagerAbi, "isAssigned", [
            e,
            kind,
            subject,
            w.address,
          ]).catch(() => false);
          if (assigned) candidates.push(w);
        }
        const w = pickOf(candidates);
        if (!w) return;
        return attempt({
          what: "attest",
          from: w,
          ...attestCall({
            address: a.epochManager,
            epoch: e,
            kind,
            subjectId: subject,
            verdict: random.chance(0.6) ? VERDICT.accept : VERDICT.reject,
            score: random.pick([0, 1, 2 ** 32 - 1]),
            resultHash: keccak256(numberToHex(random.int(1, 1e9))),
          }),
        });
      },
    ],
    [
      3,
      "mine",
      // Whole epochs may pass without a transaction: those are never started.
      () => chain.mine(random.pick([1, 3, Number(epochLength), Number(epochLength) * random.int(2, 4)])),
    ],
    [
      3,
      "attestPointsRoot",
      async () => {
        const current = await nextEpoch();
        if (current === 0n) return;
        const e = BigInt(random.int(0, Number(current) - 1));
        const entries = [];
        for (const w of accounts) {
          const p = await read<{ points: bigint }>(a.epochManager, epochManagerAbi, "pointsOf", [
            e,
            w.address,
          ]);
          // Sometimes a worker votes points nobody earned (a wrong root: a candidate of its own).
          const points = random.chance(0.2) ? BigInt(random.int(1, 50)) : p.points > 0n ? p.points : 0n;
          entries.push({ epoch: e, account: w.address, points });
        }
        if (!entries.some((x) => x.points > 0n)) entries[0]!.points = 1n;
        const tree = buildPointsTree(e, entries);
        const voters = [];
        for (const x of accounts)
          if (await read<boolean>(a.epochManager, epochManagerAbi, "isActive", [x.address, current]))
            voters.push(x);
        const voted = await attempt({
          what: "attestPointsRoot",
          from: pickOf(voters) ?? anyone(),
          ...attestPointsRootCall({
            address: a.epochManager,
            epoch: e,
            pointsRoot: tree.root,
            totalPoints: tree.totalPoints,
          }),
        });
        // Claims are tried against the root that reached quorum, if it is this one.
        if (voted && (await read<Hex>(a.epochManager, epochManagerAbi, "pointsRootOf", [e])) === tree.root)
          trees.set(e, tree);
        return voted;
      },
    ],
    [
      3,
      "claims",
      async () => {
        const roll = random.int(0, 2);
        if (roll === 0)
          return attempt({
            what: "claim",
            from: anyone(),
            ...claimRewardsCall({ address: a.attributionLedger }),
          });
        if (roll === 1)
          return attempt({
            what: "claimFor",
            from: anyone(),
            to: a.attributionLedger,
            data: fn(attributionLedgerAbi, "claimFor", [random.pick(accounts).address]),
          });
        const tree = pickOf([...trees.values()]);
        const entry = tree && pickOf(tree.entries);
        if (!tree || !entry) return;
        return attempt({
          what: "airdropClaim",
          from: anyone(),
          ...claimPointsCall({
            address: a.pointsDistributor,
            epoch: tree.epoch,
            account: entry.account,
            points: entry.points,
            proof: tree.proof(entry.account),
          }),
        });
      },
    ],
    [
      1,
      "adminAction",
      async () => {
        const roll = random.int(0, 4);
        const to = [
          a.attributionLedger,
          a.attributionLedger,
          a.epochManager,
          a.pointsDistributor,
          a.attributionLedger,
        ][roll]!;
        const data = [
          () => fn(attributionLedgerAbi, "setTreasury", [random.pick(accounts).address]),
          () =>
            fn(attributionLedgerAbi, "setFeeSchedule", [
              {
                inputRatePer1k: random.pick([0n, parseEther("0.001")]),
                outputRatePer1k: random.pick([0n, parseEther("0.002")]),
                platformFee: random.pick([0n, parseEther("0.0001")]),
                developerBps: 2000,
                validatorBps: 1000,
                contributorBps: 7000,
              },
            ]),
          () =>
            fn(epochManagerAbi, "setParams", [
              {
                minStake: parseEther("0.1"),
                validatorsPerSubject: random.pick([1, 3]),
                quorum: random.pick([1, 2]),
                heartbeatWindowBlocks: random.pick([1, 10]),
                agreePoints: random.pick([0n, 10n]),
                dissentPenalty: random.pick([0n, 20n]),
                heartbeatPoints: random.pick([0n, 1n]),
              },
            ]),
          () => fn(pointsDistributorAbi, "setWeiPerPoint", [random.pick([0n, 1n, parseEther("0.001")])]),
          () =>
            fn(attributionLedgerAbi, "setValidatorPool", [
              random.pick([a.pointsDistributor, random.pick(accounts).address]),
            ]),
        ][roll]!();
        // Ownership moves around (governance below): the call comes from whoever holds the contract now.
        const from = to === a.epochManager ? admin : await ownerOf(to);
        if (!from) return;
        return attempt({ what: "adminAction", from, to, data });
      },
    ],
    [
      3,
      "governance",
      async () => {
        const ownable = random.pick([a.attributionLedger, a.datanetRegistry, a.pointsDistributor]);
        const abi = ownable === a.pointsDistributor ? pointsDistributorAbi : attributionLedgerAbi;
        switch (random.int(0, 4)) {
          case 0: {
            const from = await ownerOf(ownable);
            if (!from) return;
            return attempt({
              what: "transferOwnership",
              from,
              to: ownable,
              data: fn(abi, "transferOwnership", [random.pick(accounts).address]),
            });
          }
          case 1: {
            const pending = await read<Address>(ownable, abi, "pendingOwner");
            const from = accounts.find((x) => x.address === pending);
            if (!from) return;
            return attempt({ what: "acceptOwnership", from, to: ownable, data: fn(abi, "acceptOwnership") });
          }
          default:
            return attempt({
              what: "fundDistributor",
              from: anyone(),
              to: a.pointsDistributor,
              data: "0x",
              value: random.pick([1n, parseEther("0.5")]),
            });
        }
      },
    ],
  ];
  const trees = new Map<bigint, ReturnType<typeof buildPointsTree>>();
  const total = actions.reduce((s, [w]) => s + w, 0);
  for (let step = 0; step < parameters.steps; step++) {
    let roll = random.next() * total;
    for (const [weight, , run] of actions) {
      roll -= weight;
      if (roll < 0) {
        await run();
        break;
      }
    }
  }
  return { landed, refused, accounts: accounts.map((x) => x.address) };
}
