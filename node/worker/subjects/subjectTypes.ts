import type { Address, Hex } from "viem";
import type { ContributionStatus } from "../../../contracts/enums/contributionStatus.ts";
import type { InferenceStatus } from "../../../contracts/enums/inferenceStatus.ts";
import type { SUBJECT_KIND, SubjectKind } from "../../../contracts/enums/subjectKind.ts";

/** A contribution waiting for (or going through) validation: DatanetRegistry.ContributionSubmitted. */
export type ContributionSubject = {
  kind: typeof SUBJECT_KIND.contribution;
  id: bigint;
  datanetId: bigint;
  contributor: Address;
  dataRoot: Hex;
  byteSize: bigint;
  chunkCount: number;
  license: string;
  status: ContributionStatus;
};

/** A recorded inference whose attribution claim workers re-check: AttributionLedger.InferenceRecorded. */
export type InferenceSubject = {
  kind: typeof SUBJECT_KIND.inference;
  id: bigint;
  modelId: bigint;
  outputRoot: Hex;
  /** The on-chain claim, contribution ids ascending. */
  contributionIds: bigint[];
  weights: bigint[];
  status: InferenceStatus;
  /** Block the inference was recorded in. */
  recordedBlock: bigint;
  /**
   * The block its attribution was computed against (on-chain, `recordInference`'s corpusBlock, before
   * recordedBlock): the corpus is exactly what was Accepted in the model's Datanets at the end of it.
   */
  corpusBlock: bigint;
};

export type Subject = ContributionSubject | InferenceSubject;

export type DatanetInfo = { id: bigint; format: string; maxChunkBytes: number; owner: Address };

export type AcceptedContribution = {
  id: bigint;
  datanetId: bigint;
  dataRoot: Hex;
  byteSize: bigint;
  format: string;
};

export type EpochPoints = { epoch: bigint; points: bigint; rank: number; workers: number };

/**
 * What the worker reads of indexed chain data. The node wires it to the indexer's views schema
 * (createIndexerSubjectSource); tests may pass another implementation.
 */
export type SubjectSource = {
  /** Pending contributions and recorded (not yet re-checked) inferences, oldest first, at most `limit`. */
  openSubjects(limit: number): Promise<Subject[]>;
  subject(kind: SubjectKind, id: bigint): Promise<Subject | undefined>;
  datanet(id: bigint): Promise<DatanetInfo | undefined>;
  modelDatanets(modelId: bigint): Promise<bigint[]>;
  /**
   * Contributions of these Datanets Accepted now, or, with `atBlock`, Accepted at the end of that block (whatever
   * happened to them since: a later override does not change a past corpus), ascending id.
   */
  acceptedContributions(datanetIds: bigint[], atBlock?: bigint): Promise<AcceptedContribution[]>;
  /** The worker's points and rank per epoch, newest first. */
  points(worker: Address, epochs: number): Promise<EpochPoints[]>;
  /** Highest block the index has processed (to know whether it is behind the chain). */
  indexedBlock(): Promise<bigint | undefined>;
};
