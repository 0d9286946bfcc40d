import { z } from "zod/v4";
import { contributionStatuses } from "../../../../contracts/enums/contributionStatus.ts";
import { inferenceStatuses } from "../../../../contracts/enums/inferenceStatus.ts";
import * as tables from "../../../ponder.schema.ts";
import { rowSchema } from "./rowSchemas.ts";

const contributionStatus = z.enum(contributionStatuses as [string, ...string[]]);

/** The JSON row of each table the REST API returns (rowSchemas.ts), with its enum columns narrowed. */
export const rows = {
  protocol: rowSchema(tables.protocol, {
    feeSchedule: z.record(z.string(), z.string()),
    epochParams: z.record(z.string(), z.string()),
  }),
  datanet: rowSchema(tables.datanet),
  contribution: rowSchema(tables.contribution, { status: contributionStatus }),
  contributionStatusChange: rowSchema(tables.contributionStatusChange, {
    status: contributionStatus,
    previousStatus: contributionStatus,
  }),
  model: rowSchema(tables.model),
  inference: rowSchema(tables.inference, { status: z.enum(inferenceStatuses as [string, ...string[]]) }),
  attribution: rowSchema(tables.attribution),
  account: rowSchema(tables.account),
  rewardAccrual: rowSchema(tables.rewardAccrual, { role: z.enum(["developer", "validators", "platform"]) }),
  rewardClaim: rowSchema(tables.rewardClaim),
  worker: rowSchema(tables.worker),
  heartbeat: rowSchema(tables.heartbeat),
  attestation: rowSchema(tables.attestation),
  subjectFinalization: rowSchema(tables.subjectFinalization),
  pointsChange: rowSchema(tables.pointsChange, { reason: z.enum(["agree", "dissent", "heartbeat"]) }),
  epoch: rowSchema(tables.epoch),
  workerEpoch: rowSchema(tables.workerEpoch),
  airdropClaim: rowSchema(tables.airdropClaim),
  depositTransaction: rowSchema(tables.depositTransaction),
  adminEvent: rowSchema(tables.adminEvent),
};
