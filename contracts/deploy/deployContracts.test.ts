import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ContractsFixture, startContractsFixture } from "../test/deployFixture.ts";
import { defaultDeployParams } from "./deployContracts.ts";

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
    expect(await c.modelRegistry.read.datanetRegistry()).toBe(addresses.datanetRegistry);
    expect(await c.epochManager.read.epochLength()).toBe(defaultDeployParams.epochLength);
    expect(await c.pointsDistributor.read.epochManager()).toBe(addresses.epochManager);
    expect(await f.publicClient.getBalance({ address: addresses.pointsDistributor })).toBe(
      defaultDeployParams.distributorFunding,
    );
    const code = await f.publicClient.getCode({
      address: addresses.datanetRegistry,
      blockNumber: f.deploymentBlock,
    });
    expect(code).toBeDefined();
  });
});
