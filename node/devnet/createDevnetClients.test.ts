import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { DEVNET_KEYS } from "../../contracts/deploy/devnetKeys.ts";
import { createDevnetClients } from "./createDevnetClients.ts";

const rpcUrl = "http://127.0.0.1:8545";

describe("createDevnetClients", () => {
  it("puts the public client and every wallet on the one L2 chain", () => {
    const clients = createDevnetClients({ chainId: 31337, rpcUrl, name: "OpenLedger devnet" });
    const wallet = clients.wallet(DEVNET_KEYS.workers[0]!);
    expect(clients.chain.id).toBe(31337);
    expect(clients.chain.name).toBe("OpenLedger devnet");
    expect(clients.chain.nativeCurrency.symbol).toBe("OPEN");
    expect(clients.chain.rpcUrls.default.http).toEqual([rpcUrl]);
    expect(clients.publicClient.chain).toBe(clients.chain);
    expect(wallet.chain).toBe(clients.chain);
    expect(clients.publicClient.transport.url).toBe(rpcUrl);
    expect(wallet.transport.url).toBe(rpcUrl);
    expect(clients.publicClient.transport.retryCount).toBe(3);
  });

  it("reads fresh (no cache) and polls every 250 ms", () => {
    const { publicClient } = createDevnetClients({ chainId: 901, rpcUrl });
    expect(publicClient.pollingInterval).toBe(250);
    expect(publicClient.cacheTime).toBe(0);
  });

  it("names the chain after its id when no name is given", () => {
    expect(createDevnetClients({ chainId: 901, rpcUrl }).chain.name).toBe("OpenLedger 901");
  });

  it("signs with the key it is given", () => {
    const { wallet } = createDevnetClients({ chainId: 31337, rpcUrl });
    for (const key of [DEVNET_KEYS.deployer, ...DEVNET_KEYS.workers]) {
      expect(wallet(key).account?.address).toBe(privateKeyToAccount(key).address);
    }
  });
});
