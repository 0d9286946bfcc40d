import type { ContributionStatus } from "../contracts/enums/contributionStatus.ts";
import type { InferenceStatus } from "../contracts/enums/inferenceStatus.ts";

/**
 * The indexer's tables as the node's readers (the worker, p2p commitments) see them through the stable views
 * schema (`database.viewsSchema`), which `ponder start --views-schema` points at the live deployment. Column
 * names are Ponder's snake_case. Numeric columns arrive from pg as strings (numeric/bigint): readers convert
 * them at their edge.
 */
export type Num = string | number | bigint;
export type IndexerViews = {
  contribution: {
    id: Num;
    datanet_id: Num;
    contributor: string;
    data_root: string;
    byte_size: Num;
    chunk_count: number;
    license: string;
    status: ContributionStatus;
    submitted_block: Num;
  };
  inference: {
    id: Num;
    model_id: Num;
    output_root: string;
    status: InferenceStatus;
    recorded_block: Num;
    corpus_block: Num;
  };
  attribution: { id: string; inference_id: Num; contribution_id: Num; weight: Num };
  contribution_status_change: {
    id: string;
    contribution_id: Num;
    status: ContributionStatus;
    block_number: Num;
  };
  datanet: { id: Num; format: string; max_chunk_bytes: number; owner: string };
  model_datanet: { model_id: Num; datanet_id: Num };
  worker_epoch: { epoch: Num; worker: string; points: Num };
  _ponder_checkpoint: { chain_id: Num; latest_checkpoint: string };
};
