import { type Hex, keccak256, parseEventLogs, toHex, zeroAddress, zeroHash } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ContractsFixture, revertOf, startContractsFixture } from "../../test/harness/deployFixture.ts";
import { modelRegistryAbi } from "../generated/index.ts";

const base = keccak256(toHex("llama-3-8b"));
const adapter = keccak256(toHex("lora-medical"));

describe("ModelRegistry", () => {
  let f: ContractsFixture;
  let snap: Hex;
  beforeAll(async () => {
    f = await startContractsFixture();
    const r = f.contracts().datanetRegistry;
    for (const name of ["a", "b", "c"]) await f.confirm(r.write.createDatanet([name, "", "text", 1024]));
  });
  afterAll(() => f?.stop());
  beforeEach(async () => {
    snap = await f.snapshot();
  });
  afterEach(async () => {
    await f.revert(snap);
  });

  const dev = () => f.accounts[4]!;

  it("registers a model with its Datanets and emits it whole", async () => {
    const m = f.contracts(dev()).modelRegistry;
    const receipt = await f.confirm(m.write.registerModel([base, adapter, [1n, 3n], "ipfs://model"]));
    const [event] = parseEventLogs({
      abi: modelRegistryAbi,
      logs: receipt.logs,
      eventName: "ModelRegistered",
    });
    expect(event!.args).toEqual({
      modelId: 1n,
      developer: dev().address,
      baseModelHash: base,
      adapterHash: adapter,
      datanetIds: [1n, 3n],
      metadataURI: "ipfs://model",
    });
    const model = await m.read.getModel([1n]);
    expect(model).toMatchObject({ developer: dev().address, baseModelHash: base, datanetIds: [1n, 3n] });
    expect(await m.read.modelDeveloper([1n])).toBe(dev().address);
    expect(await m.read.modelCount()).toBe(1n);
    await m.read.requireTrainedOn([1n, [3n, 1n, 3n]]);
    expect(await revertOf(m.read.requireTrainedOn([1n, [1n, 2n]]))).toEqual({
      errorName: "DatanetNotInModel",
      args: [1n, 2n],
    });
  });

  it("refuses bad registrations", async () => {
    const m = f.contracts(dev()).modelRegistry;
    expect((await revertOf(m.write.registerModel([zeroHash, adapter, [1n], ""]))).errorName).toBe(
      "InvalidBaseModelHash",
    );
    expect(await revertOf(m.write.registerModel([base, zeroHash, [], ""]))).toEqual({
      errorName: "InvalidDatanetCount",
      args: [0n, 32n],
    });
    const many = Array.from({ length: 33 }, () => 1n);
    expect((await revertOf(m.write.registerModel([base, zeroHash, many, ""]))).errorName).toBe(
      "InvalidDatanetCount",
    );
    expect(await revertOf(m.write.registerModel([base, zeroHash, [1n, 7n], ""]))).toEqual({
      errorName: "DatanetNotFound",
      args: [7n],
    });
    expect(await revertOf(m.write.registerModel([base, zeroHash, [2n, 1n, 2n], ""]))).toEqual({
      errorName: "DuplicateDatanet",
      args: [2n],
    });
    expect((await revertOf(m.read.getModel([1n]))).errorName).toBe("ModelNotFound");
    expect((await revertOf(m.read.modelDeveloper([1n]))).errorName).toBe("ModelNotFound");
    expect((await revertOf(m.read.requireTrainedOn([1n, [1n]]))).errorName).toBe("ModelNotFound");
  });

  it("lets only the developer update metadata and hand the model over", async () => {
    const m = f.contracts(dev()).modelRegistry;
    await f.confirm(m.write.registerModel([base, zeroHash, [2n], ""]));
    const stranger = f.contracts(f.accounts[5]!).modelRegistry;
    expect(await revertOf(stranger.write.setModelMetadataURI([1n, "x"]))).toEqual({
      errorName: "NotModelDeveloper",
      args: [1n, f.accounts[5]!.address],
    });
    expect((await revertOf(stranger.write.transferModel([1n, f.accounts[5]!.address]))).errorName).toBe(
      "NotModelDeveloper",
    );
    expect((await revertOf(m.write.setModelMetadataURI([2n, "x"]))).errorName).toBe("ModelNotFound");
    let receipt = await f.confirm(m.write.setModelMetadataURI([1n, "ipfs://v2"]));
    expect(parseEventLogs({ abi: modelRegistryAbi, logs: receipt.logs })[0]!.args).toEqual({
      modelId: 1n,
      developer: dev().address,
      metadataURI: "ipfs://v2",
    });
    expect((await revertOf(m.write.transferModel([1n, zeroAddress]))).errorName).toBe("ZeroAddress");
    receipt = await f.confirm(m.write.transferModel([1n, f.accounts[5]!.address]));
    expect(parseEventLogs({ abi: modelRegistryAbi, logs: receipt.logs })[0]!.args).toEqual({
      modelId: 1n,
      previousDeveloper: dev().address,
      newDeveloper: f.accounts[5]!.address,
    });
    expect(await m.read.modelDeveloper([1n])).toBe(f.accounts[5]!.address);
    expect((await m.read.getModel([1n])).metadataURI).toBe("ipfs://v2");
  });
});
