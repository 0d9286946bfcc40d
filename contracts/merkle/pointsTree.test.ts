import { keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import {
  buildEpochPointsTree,
  buildPointsTree,
  PointsTreeError,
  pointsLeaf,
  pointsLeafSet,
  verifyPointsProof,
} from "./pointsTree.ts";

const account = (i: number) => `0x${(i + 1).toString(16).padStart(40, "0")}` as const;
const entries = (n: number, epoch = 3n) =>
  Array.from({ length: n }, (_, i) => ({ epoch, account: account(i), points: BigInt(i * 7 + 1) }));

describe("pointsTree", () => {
  it("hashes a leaf like OpenZeppelin's standard tree (double keccak of the abi encoding)", () => {
    // abi.encode(uint256 3, address 0x..01, uint256 10), hashed twice.
    const encoded = `0x${"3".padStart(64, "0")}${"1".padStart(64, "0")}${"a".padStart(64, "0")}` as const;
    expect(pointsLeaf({ epoch: 3n, account: account(0), points: 10n })).toBe(keccak256(keccak256(encoded)));
  });

  it("makes the root of a single entry its leaf, with an empty proof", () => {
    const tree = buildPointsTree(3n, entries(1));
    expect(tree.root).toBe(pointsLeaf(entries(1)[0]!));
    expect(tree.proof(account(0))).toEqual([]);
  });

  it("proves every entry for sizes 1..33 and rejects tampered ones", () => {
    for (let n = 1; n <= 33; n++) {
      const all = entries(n);
      const tree = buildPointsTree(3n, all);
      expect(tree.totalPoints).toBe(all.reduce((s, e) => s + e.points, 0n));
      for (const entry of all) {
        const proof = tree.proof(entry.account);
        expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
        expect(verifyPointsProof({ root: tree.root, entry, proof })).toBe(true);
        expect(
          verifyPointsProof({ root: tree.root, entry: { ...entry, points: entry.points + 1n }, proof }),
        ).toBe(false);
        expect(verifyPointsProof({ root: tree.root, entry: { ...entry, epoch: 4n }, proof })).toBe(false);
      }
    }
  });

  it("does not depend on the order of entries", () => {
    const all = entries(9);
    expect(buildPointsTree(3n, [...all].reverse()).root).toBe(buildPointsTree(3n, all).root);
  });

  it("leaves out zero-point entries and refuses bad input", () => {
    const tree = buildPointsTree(3n, [...entries(2), { epoch: 3n, account: account(5), points: 0n }]);
    expect(tree.entries).toHaveLength(2);
    expect(() => tree.proof(account(5))).toThrow(PointsTreeError);
    expect(() => buildPointsTree(4n, entries(2))).toThrow(/epoch 3/);
    expect(() => buildPointsTree(3n, [...entries(2), entries(1)[0]!])).toThrow(/Two entries/);
    expect(() => buildPointsTree(3n, [{ epoch: 3n, account: account(0), points: -1n }])).toThrow(/Negative/);
    expect(() => buildPointsTree(3n, [])).toThrow(/no points/);
    expect(verifyPointsProof({ root: keccak256(toHex("x")), entry: entries(1)[0]!, proof: [] })).toBe(false);
  });

  it("keeps one leaf per worker with net points above zero (the points leaf set), whoever builds the tree", () => {
    const a = `0x${"a".repeat(40)}` as const;
    const b = `0x${"b".repeat(40)}` as const;
    const c = `0x${"c".repeat(40)}` as const;
    const balances = [
      { account: a, points: 30n },
      { account: b, points: -20n },
      { account: c, points: 0n },
    ];
    expect(pointsLeafSet(7n, balances)).toEqual([{ epoch: 7n, account: a, points: 30n }]);
    const tree = buildEpochPointsTree(7n, balances);
    expect(tree.root).toBe(buildPointsTree(7n, [{ epoch: 7n, account: a, points: 30n }]).root);
    expect(tree.totalPoints).toBe(30n);
    expect(() => buildEpochPointsTree(7n, [{ account: b, points: -1n }])).toThrow(PointsTreeError);
  });
});
