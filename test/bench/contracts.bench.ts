import { type Address, encodeFunctionData, type Hash, keccak256, parseEther, toHex, zeroHash } from "viem";
import { SUBJECT_KIND } from "../../contracts/enums/subjectKind.ts";
import { VERDICT } from "../../contracts/enums/verdict.ts";
import { testTokenAbi, testTokenBytecode } from "../../contracts/generated/testToken.ts";
import { buildPointsTree } from "../../contracts/merkle/pointsTree.ts";
import { type ContractsFixture, randomRoot, startContractsFixture } from "../harness/deployFixture.ts";
import { type BenchFigure, type Benchmark, figure, percentile } from "./benchmark.ts";

/**
 * Gas per protocol operation on a real anvil (`--network optimism`), each against a plain OpenZeppelin
 * ERC-20 transfer to a new holder measured on the same chain in the same run. Values are receipts'
 * gasUsed (L2 execution gas, L1 data fee excluded); medians where an operation is repeated.
 */
async function gasOf(f: ContractsFixture, hash: Promise<Hash> | Hash): Promise<number> {
  return Number((await f.confirm(hash)).gasUsed);
}

async function measure(): Promise<BenchFigure[]> {
  const f = await startContractsFixture();
  try {
    const note = "baseline: OpenZeppelin ERC-20 transfer to a new holder (same anvil, same run)";
    const out: BenchFigure[] = [];
    const admin = f.walletClient(f.admin);

    // Baseline: a plain ERC-20 transfer, to fresh recipients (the common 'send tokens' case).
    const deployHash = await admin.deployContract({
      abi: testTokenAbi,
      bytecode: testTokenBytecode,
      args: [parseEther("1000000")],
      account: f.admin,
      chain: f.chain,
    });
    const token = (await f.confirm(deployHash)).contractAddress!;
    const transfers: number[] = [];
    for (let i = 0; i < 5; i++) {
      const to = `0x${(0xbeef00 + i).toString(16).padStart(40, "0")}` as Address;
      const data = encodeFunctionData({ abi: testTokenAbi, functionName: "transfer", args: [to, 1000n] });
      transfers.push(
        await gasOf(f, admin.sendTransaction({ account: f.admin, chain: f.chain, to: token, data })),
      );
    }
    const baseline = percentile(transfers, 50);
    const push = (name: string, samples: number[], extra: Record<string, unknown> = {}) =>
      out.push(
        figure(`contracts.gas.${name}`, percentile(samples, 50), "gas", baseline, note, {
          samples: samples.length,
          ...extra,
        }),
      );

    // Datanet, contributions (4 contributors), all but a few accepted by the owner.
    const owner = f.contracts(f.accounts[9]!);
    await f.confirm(owner.datanetRegistry.write.createDatanet(["bench", "ipfs://bench", "text", 262_144]));
    await f.confirm(owner.datanetRegistry.write.setDailyLimits([1n, 10n ** 12n, 10_000]));
    const contributors = [f.accounts[5]!, f.accounts[6]!, f.accounts[7]!, f.accounts[8]!];
    const contribute: number[] = [];
    for (let i = 0; i < 72; i++) {
      const r = f.contracts(contributors[i % 4]!).datanetRegistry;
      contribute.push(
        await gasOf(f, r.write.contribute([1n, randomRoot(), 1_000_000n, 4, "CC-BY-4.0", "ipfs://c"])),
      );
    }
    push("contribute", contribute.slice(4), { note2: "a contributor's later contributions the same day" });
    for (let id = 1n; id <= 64n; id++)
      await f.confirm(owner.datanetRegistry.write.overrideContribution([id, 2]));

    // Inferences with 1, 16 and 64 attribution entries; measured after a warm-up, when contributors
    // already hold a balance (the steady state).
    await f.confirm(owner.modelRegistry.write.registerModel([keccak256(toHex("base")), zeroHash, [1n], ""]));
    const ledger = f.contracts(f.accounts[4]!).attributionLedger;
    const fee = await ledger.read.quoteFee([1000n, 500n]);
    for (const n of [1, 16, 64]) {
      const ids = Array.from({ length: n }, (_, i) => BigInt(i + 1));
      const weights = ids.map(() => BigInt(Math.floor(1_000_000 / n)));
      weights[0]! += 1_000_000n - weights.reduce((s, w) => s + w, 0n);
      const samples: number[] = [];
      for (let run = 0; run < 4; run++) {
        const gas = await gasOf(
          f,
          ledger.write.recordInference(
            [1n, randomRoot(), await f.publicClient.getBlockNumber(), 1000n, 500n, ids, weights],
            { value: fee },
          ),
        );
        if (run > 0) samples.push(gas);
      }
      push(`recordInference.${n}`, samples, {
        entries: n,
        perEntry: Math.round(percentile(samples, 50) / n),
      });
    }
    push("claim.ledger", [await gasOf(f, f.contracts(contributors[0]!).attributionLedger.write.claim())]);

    // Workers, attestations (k = 3, quorum 2), heartbeats.
    const stake = parseEther("0.1");
    for (let i = 1; i <= 3; i++) {
      await f.confirm(
        f.contracts(f.accounts[i]!).epochManager.write.register([`12D3KooWbench${i}`], { value: stake }),
      );
    }
    const epoch = (await f.currentEpoch()) + 1n;
    await f.mineToEpoch(epoch);
    await f.confirm(f.contracts().epochManager.write.startEpoch());
    const attest: number[] = [];
    const attestFinal: number[] = [];
    for (let id = 65n; id <= 70n; id++) {
      for (const [i, into] of [
        [1, attest],
        [2, attestFinal],
      ] as const) {
        const em = f.contracts(f.accounts[i]!).epochManager;
        into.push(
          await gasOf(
            f,
            em.write.attest([epoch, SUBJECT_KIND.contribution, id, VERDICT.accept, 1, keccak256(toHex(i))]),
          ),
        );
      }
    }
    push("attest", attest, { note2: "a vote below quorum" });
    push("attest.finalize", attestFinal, {
      note2: "the vote that reaches quorum: finalizes the contribution, scores 2 voters",
    });
    const heartbeat = await gasOf(f, f.contracts(f.accounts[1]!).epochManager.write.heartbeat());
    push("heartbeat", [heartbeat]);

    // Close the epoch by the workers' points-root votes and claim against the root.
    await f.mineToEpoch(epoch + 1n);
    const em = f.contracts().epochManager;
    const entries = [];
    for (let i = 1; i <= 3; i++) {
      const { points } = await em.read.pointsOf([epoch, f.accounts[i]!.address]);
      entries.push({ epoch, account: f.accounts[i]!.address, points: points > 0n ? points : 0n });
    }
    const tree = buildPointsTree(epoch, entries);
    const vote = (i: number) =>
      gasOf(
        f,
        f.contracts(f.accounts[i]!).epochManager.write.attestPointsRoot([epoch, tree.root, tree.totalPoints]),
      );
    push("attestPointsRoot", [await vote(1)], { note2: "a points-root vote below quorum" });
    push("attestPointsRoot.close", [await vote(2)], {
      note2: "the vote that reaches quorum: closes the epoch",
    });
    const w1 = f.accounts[1]!.address;
    const points = entries[0]!.points;
    const claim = await gasOf(
      f,
      f.contracts(f.accounts[1]!).pointsDistributor.write.claim([epoch, w1, points, tree.proof(w1)]),
    );
    push("claim.points", [claim], { proofLength: tree.proof(w1).length });
    return out;
  } finally {
    await f.stop();
  }
}

const benchmarks: Benchmark[] = [
  {
    name: "contracts.gas",
    description: "gas per protocol operation vs an ERC-20 transfer (real anvil --network optimism)",
    run: measure,
  },
];

export default benchmarks;
