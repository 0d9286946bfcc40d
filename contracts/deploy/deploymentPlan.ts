import { type Abi, type Address, encodeDeployData, encodeFunctionData, type Hex } from "viem";
import {
  attributionLedgerAbi,
  attributionLedgerBytecode,
  datanetRegistryAbi,
  datanetRegistryBytecode,
  epochManagerAbi,
  epochManagerBytecode,
  modelRegistryAbi,
  modelRegistryBytecode,
  pointsDistributorAbi,
  pointsDistributorBytecode,
} from "../generated/index.ts";
import type { DeployedAddresses, DeployParams } from "./deployContracts.ts";

export type ResolvedDeployParams = DeployParams & { admin: Address; treasury: Address };
export type ContractName = keyof DeployedAddresses;

/** The five contracts in deployment order: each constructor names only contracts deployed before it. */
export const CONTRACT_NAMES: readonly ContractName[] = [
  "datanetRegistry",
  "modelRegistry",
  "attributionLedger",
  "epochManager",
  "pointsDistributor",
];

export const CONTRACT_ABIS: Record<ContractName, Abi> = {
  datanetRegistry: datanetRegistryAbi,
  modelRegistry: modelRegistryAbi,
  attributionLedger: attributionLedgerAbi,
  epochManager: epochManagerAbi,
  pointsDistributor: pointsDistributorAbi,
};

/** One transaction of a deployment: a contract creation (no `to`) or a call/transfer to a deployed contract. */
/** The AttributionLedger fee schedule these parameters deploy (and `verifyDeployment` expects to read back). */
export function feeScheduleOf(params: DeployParams) {
  return {
    inputRatePer1k: params.inputRatePer1k,
    outputRatePer1k: params.outputRatePer1k,
    platformFee: params.platformFee,
    developerBps: params.developerBps,
    validatorBps: params.validatorBps,
    contributorBps: params.contributorBps,
  };
}

/** The EpochManager parameters these parameters deploy (and `verifyDeployment` expects to read back). */
export function epochParamsOf(params: DeployParams) {
  return {
    minStake: params.minStake,
    validatorsPerSubject: params.validatorsPerSubject,
    quorum: params.quorum,
    heartbeatWindowBlocks: params.heartbeatWindowBlocks,
    agreePoints: params.agreePoints,
    dissentPenalty: params.dissentPenalty,
    heartbeatPoints: params.heartbeatPoints,
  };
}

export type DeploymentStep = {
  /** Stable across runs: the key under which the progress file records it. */
  id: string;
  /** Set on creations: the contract whose address the step's receipt yields. */
  deploys?: ContractName;
  describe: string;
  /** The transaction, given the addresses of the contracts deployed so far. */
  transaction(addresses: Partial<DeployedAddresses>): { to?: Address; data: Hex; value?: bigint };
};

function need(addresses: Partial<DeployedAddresses>, name: ContractName): Address {
  const address = addresses[name];
  if (!address) throw new Error(`deployment plan: ${name} is used before it is deployed`);
  return address;
}

/**
 * The protocol's deployment as an ordered list of transactions: the five constructors, then the wiring —
 * DatanetRegistry and AttributionLedger learn the EpochManager (which finalizes their subjects), the ledger
 * pays the validators' share to the PointsDistributor, and the distributor is funded. `deployContracts` sends it pipelined; `olnode deploy` one step at a time, resumably.
 */
export function deploymentPlan(params: ResolvedDeployParams): DeploymentStep[] {
  const { admin } = params;
  const fees = feeScheduleOf(params);
  const epochParams = epochParamsOf(params);
  const steps: DeploymentStep[] = [
    {
      id: "deploy:datanetRegistry",
      deploys: "datanetRegistry",
      describe: "deploy DatanetRegistry",
      transaction: () => ({
        data: encodeDeployData({ abi: datanetRegistryAbi, bytecode: datanetRegistryBytecode, args: [admin] }),
      }),
    },
    {
      id: "deploy:modelRegistry",
      deploys: "modelRegistry",
      describe: "deploy ModelRegistry",
      transaction: (a) => ({
        data: encodeDeployData({
          abi: modelRegistryAbi,
          bytecode: modelRegistryBytecode,
          args: [need(a, "datanetRegistry")],
        }),
      }),
    },
    {
      id: "deploy:attributionLedger",
      deploys: "attributionLedger",
      describe: "deploy AttributionLedger",
      transaction: (a) => ({
        data: encodeDeployData({
          abi: attributionLedgerAbi,
          bytecode: attributionLedgerBytecode,
          args: [admin, need(a, "datanetRegistry"), need(a, "modelRegistry"), params.treasury, fees],
        }),
      }),
    },
    {
      id: "deploy:epochManager",
      deploys: "epochManager",
      describe: "deploy EpochManager",
      transaction: (a) => ({
        data: encodeDeployData({
          abi: epochManagerAbi,
          bytecode: epochManagerBytecode,
          args: [
            admin,
            need(a, "datanetRegistry"),
            need(a, "attributionLedger"),
            params.epochLength,
            epochParams,
          ],
        }),
      }),
    },
    {
      id: "deploy:pointsDistributor",
      deploys: "pointsDistributor",
      describe: "deploy PointsDistributor",
      transaction: (a) => ({
        data: encodeDeployData({
          abi: pointsDistributorAbi,
          bytecode: pointsDistributorBytecode,
          args: [admin, need(a, "epochManager"), params.weiPerPoint],
        }),
      }),
    },
    {
      id: "wire:datanetRegistry.setEpochManager",
      describe: "DatanetRegistry.setEpochManager",
      transaction: (a) => ({
        to: need(a, "datanetRegistry"),
        data: encodeFunctionData({
          abi: datanetRegistryAbi,
          functionName: "setEpochManager",
          args: [need(a, "epochManager")],
        }),
      }),
    },
    {
      id: "wire:attributionLedger.setEpochManager",
      describe: "AttributionLedger.setEpochManager",
      transaction: (a) => ({
        to: need(a, "attributionLedger"),
        data: encodeFunctionData({
          abi: attributionLedgerAbi,
          functionName: "setEpochManager",
          args: [need(a, "epochManager")],
        }),
      }),
    },
    {
      id: "wire:attributionLedger.setValidatorPool",
      describe: "AttributionLedger.setValidatorPool",
      transaction: (a) => ({
        to: need(a, "attributionLedger"),
        data: encodeFunctionData({
          abi: attributionLedgerAbi,
          functionName: "setValidatorPool",
          args: [need(a, "pointsDistributor")],
        }),
      }),
    },
  ];
  if (params.distributorFunding > 0n) {
    steps.push({
      id: "fund:pointsDistributor",
      describe: `fund PointsDistributor with ${params.distributorFunding} wei`,
      transaction: (a) => ({
        to: need(a, "pointsDistributor"),
        data: "0x",
        value: params.distributorFunding,
      }),
    });
  }
  return steps;
}
