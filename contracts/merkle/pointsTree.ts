import { type Address, concat, encodeAbiParameters, getAddress, type Hex, keccak256 } from "viem";
import { BaseError } from "../../config/errors/BaseError.ts";

/**
 * The Merkle tree of an epoch's points, whose root workers vote with EpochManager.attestPointsRoot (the first to
 * reach quorum closes the epoch) and against
 * which PointsDistributor.claim pays. Same hashing as OpenZeppelin's StandardMerkleTree and MerkleProof:
 *
 *   leaf = keccak256(bytes.concat(keccak256(abi.encode(uint256 epoch, address account, uint256 points))))
 *   node = keccak256(sort(a, b))                      commutative, so a proof needs no left/right flags
 *
 * Leaves are sorted by hash (the root does not depend on input order); an odd node is promoted unchanged.
 * Zero-point entries are left out: the distributor pays nothing for them.
 */
export type PointsEntry = { epoch: bigint; account: Address; points: bigint };

export type PointsTree = {
  epoch: bigint;
  root: Hex;
  /** Sum of all points in the tree (voted beside the root, recorded as the epoch's totalPoints). */
  totalPoints: bigint;
  entries: readonly PointsEntry[];
  /** Proof for `account`; throws if it has no (non-zero) entry. */
  proof(account: Address): Hex[];
};

export class PointsTreeError extends BaseError {
  override name = "PointsTreeError";
}

export function pointsLeaf(entry: PointsEntry): Hex {
  const inner = keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "address" }, { type: "uint256" }],
      [entry.epoch, entry.account, entry.points],
    ),
  );
  return keccak256(inner);
}

/** A worker's net points in an epoch, as `EpochManager.pointsOf` or the indexer's worker_epoch row has them. */
export type EpochPointsBalance = { account: Address; points: bigint };

/**
 * The points leaf set — which entries an epoch's tree holds, whoever builds it (the voting workers, the REST proofs
 * route, a claimer): one leaf per worker whose net points are above zero (a negative balance is clamped to
 * zero and, like zero, earns no leaf). Balances are given once per worker.
 */
export function pointsLeafSet(epoch: bigint, balances: Iterable<EpochPointsBalance>): PointsEntry[] {
  const entries: PointsEntry[] = [];
  for (const b of balances) if (b.points > 0n) entries.push({ epoch, account: b.account, points: b.points });
  return entries;
}

/** The tree of an epoch's points from its workers' balances: `buildPointsTree` over `pointsLeafSet`. */
export function buildEpochPointsTree(epoch: bigint, balances: Iterable<EpochPointsBalance>): PointsTree {
  return buildPointsTree(epoch, pointsLeafSet(epoch, balances));
}

function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

export function buildPointsTree(epoch: bigint, entries: readonly PointsEntry[]): PointsTree {
  const seen = new Set<string>();
  const kept: PointsEntry[] = [];
  for (const e of entries) {
    if (e.epoch !== epoch) {
      throw new PointsTreeError(`An entry for epoch ${e.epoch} was passed to the tree of epoch ${epoch}.`, {
        hint: "Build one tree per epoch.",
      });
    }
    if (e.points < 0n) {
      throw new PointsTreeError(`Negative points for ${e.account}.`, {
        hint: "Clamp a worker's net epoch points at zero (max(points, 0)) before building the tree.",
      });
    }
    const account = getAddress(e.account);
    if (seen.has(account)) {
      throw new PointsTreeError(`Two entries for ${account} in epoch ${epoch}.`, {
        hint: "Sum a worker's points into one entry per epoch.",
      });
    }
    seen.add(account);
    if (e.points > 0n) kept.push({ epoch, account, points: e.points });
  }
  if (kept.length === 0) {
    throw new PointsTreeError(`Epoch ${epoch} has no points to put in a tree.`, {
      hint: "Skip closing epochs in which nobody earned points.",
    });
  }
  const leaves = kept.map((e) => ({ entry: e, leaf: pointsLeaf(e) }));
  leaves.sort((a, b) => (BigInt(a.leaf) < BigInt(b.leaf) ? -1 : 1));
  const levels: Hex[][] = [leaves.map((l) => l.leaf)];
  while (levels.at(-1)!.length > 1) {
    const level = levels.at(-1)!;
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? hashPair(level[i]!, level[i + 1]!) : level[i]!);
    levels.push(next);
  }
  const indexOf = new Map(leaves.map((l, i) => [l.entry.account, i]));
  return {
    epoch,
    root: levels.at(-1)![0]!,
    totalPoints: kept.reduce((sum, e) => sum + e.points, 0n),
    entries: leaves.map((l) => l.entry),
    proof(account) {
      let index = indexOf.get(getAddress(account));
      if (index === undefined) {
        throw new PointsTreeError(`${account} has no points in epoch ${epoch}.`, {
          hint: "Only accounts with points > 0 in this epoch can claim.",
        });
      }
      const proof: Hex[] = [];
      for (const level of levels.slice(0, -1)) {
        const sibling = index ^ 1;
        if (sibling < level.length) proof.push(level[sibling]!);
        index >>= 1;
      }
      return proof;
    },
  };
}

/** Mirrors OpenZeppelin MerkleProof.verify for a points leaf. */
export function verifyPointsProof(parameters: {
  root: Hex;
  entry: PointsEntry;
  proof: readonly Hex[];
}): boolean {
  let hash = pointsLeaf(parameters.entry);
  for (const sibling of parameters.proof) hash = hashPair(hash, sibling);
  return hash.toLowerCase() === parameters.root.toLowerCase();
}
