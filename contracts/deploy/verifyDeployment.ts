import type { Abi, Address, Hex, PublicClient } from "viem";
import type { ImmutableReference } from "../build/compileContracts.ts";
import {
  attributionLedgerDeployedBytecode,
  attributionLedgerImmutableReferences,
  datanetRegistryDeployedBytecode,
  datanetRegistryImmutableReferences,
  epochManagerDeployedBytecode,
  epochManagerImmutableReferences,
  modelRegistryDeployedBytecode,
  modelRegistryImmutableReferences,
  pointsDistributorDeployedBytecode,
  pointsDistributorImmutableReferences,
} from "../generated/index.ts";
import type { DeployedAddresses } from "./deployContracts.ts";
import {
  CONTRACT_ABIS,
  CONTRACT_NAMES,
  type ContractName,
  epochParamsOf,
  feeScheduleOf,
  type ResolvedDeployParams,
} from "./deploymentPlan.ts";
import { runtimeCodeMatches } from "./runtimeCodeMatches.ts";

const DEFAULT_ADMIN_ROLE: Hex = `0x${"0".repeat(64)}`;

/** The compiled runtime code of each protocol contract and where its immutables sit in it. */
export const RUNTIME_ARTIFACTS: Record<
  ContractName,
  { code: Hex; immutables: readonly ImmutableReference[] }
> = {
  datanetRegistry: { code: datanetRegistryDeployedBytecode, immutables: datanetRegistryImmutableReferences },
  modelRegistry: { code: modelRegistryDeployedBytecode, immutables: modelRegistryImmutableReferences },
  attributionLedger: {
    code: attributionLedgerDeployedBytecode,
    immutables: attributionLedgerImmutableReferences,
  },
  epochManager: { code: epochManagerDeployedBytecode, immutables: epochManagerImmutableReferences },
  pointsDistributor: {
    code: pointsDistributorDeployedBytecode,
    immutables: pointsDistributorImmutableReferences,
  },
};

export type DeploymentProblem =
  | { code: "NO_CODE"; contract: ContractName; address: Address }
  | { code: "CODE_MISMATCH"; contract: ContractName; address: Address; offset: number }
  | {
      code: "WIRING_MISMATCH";
      contract: ContractName;
      check: string;
      expected: string;
      actual: string;
      /** A setting the admin may change after deployment (fees, params): a difference may be intended. */
      adjustable: boolean;
    };

export type VerifyDeploymentParameters = {
  publicClient: PublicClient;
  addresses: DeployedAddresses;
  params: ResolvedDeployParams;
};

/** One line per problem, for a human. */
export function describeProblem(p: DeploymentProblem): string {
  switch (p.code) {
    case "NO_CODE":
      return `${p.contract} at ${p.address}: no code there`;
    case "CODE_MISMATCH":
      return `${p.contract} at ${p.address}: its code is not the compiled ${p.contract} (first difference at byte ${p.offset})`;
    case "WIRING_MISMATCH":
      return `${p.contract}.${p.check}: expected ${p.expected}, found ${p.actual}${p.adjustable ? " (an admin setting: changed since deployment?)" : ""}`;
  }
}

/** Addresses in any case, bigints and numbers, structs in any key order: compared by value. */
function normalize(value: unknown): string {
  if (typeof value === "string") return value.toLowerCase();
  return JSON.stringify(value, (_, v) => {
    if (typeof v === "bigint" || typeof v === "number") return v.toString();
    if (v && typeof v === "object" && !Array.isArray(v))
      return Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)));
    return v;
  });
}

/**
 * Checks a deployment on-chain: every contract's runtime code is the compiled artifact (immutables masked),
 * and each contract points at the others, holds the immutables and roles, and the settings the deployment
 * was made with. Returns the problems found (empty: verified). Throws only on transport errors.
 */
export async function verifyDeployment(parameters: VerifyDeploymentParameters): Promise<DeploymentProblem[]> {
  const { publicClient, addresses: a, params } = parameters;
  const problems: DeploymentProblem[] = [];
  for (const contract of CONTRACT_NAMES) {
    const address = a[contract];
    const code = await publicClient.getCode({ address });
    if (!code || code === "0x") {
      problems.push({ code: "NO_CODE", contract, address });
      continue;
    }
    const { code: artifact, immutables } = RUNTIME_ARTIFACTS[contract];
    const compared = runtimeCodeMatches(code, artifact, immutables);
    if (!compared.match) problems.push({ code: "CODE_MISMATCH", contract, address, offset: compared.offset });
  }
  // Reading through a contract whose code is wrong would only add noise.
  if (problems.length > 0) return problems;

  const fees = feeScheduleOf(params);
  const epochParams = epochParamsOf(params);
  type Check = [ContractName, string, readonly unknown[], unknown, boolean];
  const checks: Check[] = [
    ["datanetRegistry", "owner", [], params.admin, true],
    ["datanetRegistry", "epochManager", [], a.epochManager, false],
    ["modelRegistry", "datanetRegistry", [], a.datanetRegistry, false],
    ["attributionLedger", "owner", [], params.admin, true],
    ["attributionLedger", "datanetRegistry", [], a.datanetRegistry, false],
    ["attributionLedger", "modelRegistry", [], a.modelRegistry, false],
    ["attributionLedger", "epochManager", [], a.epochManager, false],
    ["attributionLedger", "validatorPool", [], a.pointsDistributor, false],
    ["attributionLedger", "treasury", [], params.treasury, true],
    ["attributionLedger", "feeSchedule", [], fees, true],
    ["epochManager", "datanetRegistry", [], a.datanetRegistry, false],
    ["epochManager", "attributionLedger", [], a.attributionLedger, false],
    ["epochManager", "epochLength", [], params.epochLength, false],
    ["epochManager", "hasRole", [DEFAULT_ADMIN_ROLE, params.admin], true, true],
    ["epochManager", "params", [], epochParams, true],
    ["pointsDistributor", "owner", [], params.admin, true],
    ["pointsDistributor", "epochManager", [], a.epochManager, false],
    ["pointsDistributor", "weiPerPoint", [], params.weiPerPoint, true],
  ];
  for (const [contract, functionName, args, expected, adjustable] of checks) {
    const actual = await publicClient.readContract({
      address: a[contract],
      abi: CONTRACT_ABIS[contract] as Abi,
      functionName,
      args,
    });
    if (normalize(actual) !== normalize(expected)) {
      const check = args.length ? `${functionName}(${args.join(", ")})` : functionName;
      problems.push({
        code: "WIRING_MISMATCH",
        contract,
        check,
        expected: normalize(expected),
        actual: normalize(actual),
        adjustable,
      });
    }
  }
  return problems;
}
