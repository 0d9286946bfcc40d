import { createWalletClient, http, zeroAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NonRetryableUserError } from "../../config/errors/BaseError.ts";
import { type ContractsFixture, revertOf, startContractsFixture } from "../../test/harness/deployFixture.ts";
import {
  attributionLedgerAbi,
  epochManagerAbi,
  epochManagerBytecode,
  modelRegistryAbi,
  modelRegistryBytecode,
  pointsDistributorAbi,
  pointsDistributorBytecode,
} from "../generated/index.ts";
import { defaultDeployParams, deployContracts } from "./deployContracts.ts";

describe("deployContracts", () => {
  let f: ContractsFixture;
  beforeAll(async () => {
    f = await startContractsFixture();
  });
  afterAll(() => f?.stop());

  it("deploys the five contracts, wires them and funds the distributor", async () => {
    const c = f.contracts();
    const { addresses } = f;
    for (const address of Object.values(addresses)) {
      expect(await f.publicClient.getCode({ address })).toMatch(/^0x[0-9a-f]{100,}/);
    }
    expect(await c.datanetRegistry.read.epochManager()).toBe(addresses.epochManager);
    expect(await c.attributionLedger.read.epochManager()).toBe(addresses.epochManager);
    expect(await c.attributionLedger.read.validatorPool()).toBe(addresses.pointsDistributor);
    expect(await c.attributionLedger.read.treasury()).toBe(f.admin.address);
    expect(await c.modelRegistry.read.datanetRegistry()).toBe(addresses.datanetRegistry);
    expect(await c.epochManager.read.epochLength()).toBe(defaultDeployParams.epochLength);
    expect(await c.epochManager.read.genesisBlock()).toBeGreaterThanOrEqual(f.deploymentBlock);
    expect(await c.pointsDistributor.read.epochManager()).toBe(addresses.epochManager);
    expect(await c.pointsDistributor.read.weiPerPoint()).toBe(defaultDeployParams.weiPerPoint);
    expect(await c.datanetRegistry.read.owner()).toBe(f.admin.address);
    expect(await f.publicClient.getBalance({ address: addresses.pointsDistributor })).toBe(
      defaultDeployParams.distributorFunding,
    );
    // The indexer starts at deploymentBlock: the first contract exists there and not before.
    expect(
      await f.publicClient.getCode({ address: addresses.datanetRegistry, blockNumber: f.deploymentBlock }),
    ).toBeDefined();
    expect(
      await f.publicClient.getCode({
        address: addresses.datanetRegistry,
        blockNumber: f.deploymentBlock - 1n,
      }),
    ).toBeUndefined();
  });

  it("takes overrides, and deploys again from a later nonce", async () => {
    const deployer = f.accounts[2]!;
    const treasury = f.accounts[4]!.address;
    const { addresses, params } = await deployContracts({
      walletClient: f.walletClient(deployer),
      publicClient: f.publicClient,
      params: {
        epochLength: 10n,
        validatorsPerSubject: 5,
        treasury,
        distributorFunding: 0n,
      },
    });
    expect(params).toMatchObject({
      epochLength: 10n,
      validatorsPerSubject: 5,
      quorum: 2,
      admin: deployer.address,
      treasury,
    });
    const read = <T>(p: Promise<T>) => p;
    expect(
      await read(
        f.publicClient.readContract({
          address: addresses.epochManager,
          abi: epochManagerAbi,
          functionName: "epochLength",
        }),
      ),
    ).toBe(10n);
    expect(
      await f.publicClient.readContract({
        address: addresses.attributionLedger,
        abi: attributionLedgerAbi,
        functionName: "treasury",
      }),
    ).toBe(treasury);
    expect(await f.publicClient.getBalance({ address: addresses.pointsDistributor })).toBe(0n);
    expect(addresses.datanetRegistry).not.toBe(f.addresses.datanetRegistry);
  });

  it("refuses a fee split that does not add up, before sending anything", async () => {
    const deployer = f.accounts[5]!;
    const nonce = await f.publicClient.getTransactionCount({ address: deployer.address });
    await expect(
      deployContracts({
        walletClient: f.walletClient(deployer),
        publicClient: f.publicClient,
        params: { developerBps: 5000 },
      }),
    ).rejects.toThrow(NonRetryableUserError);
    expect(await f.publicClient.getTransactionCount({ address: deployer.address })).toBe(nonce);
    await expect(
      deployContracts({
        walletClient: f.walletClient(deployer),
        publicClient: f.publicClient,
        params: { quorum: 0 },
      }),
    ).rejects.toThrow(/quorum must be at least 1/);
    await expect(
      deployContracts({
        walletClient: f.walletClient(deployer),
        publicClient: f.publicClient,
        params: { epochLength: 0n },
      }),
    ).rejects.toThrow(/epochLength/);
    const noAccount = createWalletClient({ chain: f.chain, transport: http(f.rpcUrl) });
    await expect(deployContracts({ walletClient: noAccount, publicClient: f.publicClient })).rejects.toThrow(
      /wallet client with an account/,
    );
    expect(await f.publicClient.getTransactionCount({ address: deployer.address })).toBe(nonce);
  });

  it("has constructors that refuse bad wiring with a named error", async () => {
    const wallet = f.walletClient(f.admin);
    const common = { account: f.admin, chain: f.chain } as const;
    const params = {
      minStake: 0n,
      validatorsPerSubject: 3,
      quorum: 2,
      heartbeatWindowBlocks: 1,
      agreePoints: 1n,
      dissentPenalty: 1n,
      heartbeatPoints: 1n,
    };
    const { datanetRegistry, attributionLedger } = f.addresses;
    expect(
      await revertOf(
        wallet.deployContract({
          ...common,
          abi: epochManagerAbi,
          bytecode: epochManagerBytecode,
          args: [f.admin.address, datanetRegistry, attributionLedger, 0n, params],
        }),
      ),
    ).toEqual({ errorName: "InvalidEpochLength", args: [] });
    expect(
      (
        await revertOf(
          wallet.deployContract({
            ...common,
            abi: epochManagerAbi,
            bytecode: epochManagerBytecode,
            args: [f.admin.address, zeroAddress, attributionLedger, 10n, params],
          }),
        )
      ).errorName,
    ).toBe("ZeroAddress");
    expect(
      (
        await revertOf(
          wallet.deployContract({
            ...common,
            abi: epochManagerAbi,
            bytecode: epochManagerBytecode,
            args: [f.admin.address, datanetRegistry, attributionLedger, 10n, { ...params, quorum: 0 }],
          }),
        )
      ).errorName,
    ).toBe("InvalidParams");
    expect(
      (
        await revertOf(
          wallet.deployContract({
            ...common,
            abi: pointsDistributorAbi,
            bytecode: pointsDistributorBytecode,
            args: [f.admin.address, zeroAddress, 1n],
          }),
        )
      ).errorName,
    ).toBe("ZeroAddress");
    expect(
      (
        await revertOf(
          wallet.deployContract({
            ...common,
            abi: modelRegistryAbi,
            bytecode: modelRegistryBytecode,
            args: [zeroAddress],
          }),
        )
      ).errorName,
    ).toBe("ZeroAddress");
  });
});
