import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allocatePort } from "../../config/services/allocatePort.ts";
import { graphql } from "../harness/graphql.ts";
import { makeTempDir } from "../harness/tempDir.ts";
import { notYet, WaitForAbort, waitFor } from "../harness/waitFor.ts";
import { buildOlnodeImages, type ComposeProject, composeProject } from "./engine/composeProject.ts";
import { makeStandInImages } from "./engine/makeStandInImages.ts";
import { type DockerEngine, dockerEngineUnavailable, startDockerEngine } from "./engine/startDockerEngine.ts";

/**
 * The packaging for real: a private Docker engine, stand-in base images made offline, the olnode images built
 * with docker/Dockerfile, and compose's devnet profile brought up as an operator would (anvil, Postgres,
 * setup, indexer, two nodes, traffic). Opt-in: OLNODE_DOCKER_E2E=1 runs it (and then it must run); otherwise it is
 * skipped with that hint. It needs root, dockerd, docker-compose and debootstrap.
 */
const unavailable = dockerEngineUnavailable();
// Opt-in for now (OLNODE_DOCKER_E2E=1, then it must run): inside the whole suite, on 2 cores, its 12 minutes of
// image builds and containers failed its own restart step once and starved devnet.e2e, though it passed alone.
const required = process.env.OLNODE_DOCKER_E2E === "1";
if (!required)
  console.warn("docker e2e skipped: set OLNODE_DOCKER_E2E=1 to run it (needs root, docker.io, debootstrap)");
else if (unavailable) console.warn(`docker e2e cannot run: ${unavailable}`);

const LONG_RUNNING = [
  "postgres",
  "devnet-anvil",
  "devnet-indexer",
  "devnet-node",
  "devnet-node-2",
  "devnet-traffic",
];
const OLNODE_SERVICES = [
  "devnet-anvil",
  "devnet-setup",
  "devnet-indexer",
  "devnet-node",
  "devnet-node-2",
  "devnet-traffic",
];
const TAG = "e2e";

type Counts = {
  accepted: { totalCount: number };
  inferences: { totalCount: number };
  attributions: { totalCount: number };
  attestations: { totalCount: number };
  workers: { items: { address: string; totalPoints: string }[] };
};
const COUNTS = `{ accepted: contributions(where: { status: "accepted" }) { totalCount }
  inferences { totalCount } attributions { totalCount } attestations { totalCount }
  workers { items { address totalPoints } } }`;

describe.skipIf(!required)("the olnode image and compose's devnet profile under Docker", () => {
  let engine: DockerEngine | undefined;
  let project: ComposeProject;
  let ports: Record<string, number>;
  let graphqlUrl: string;
  const service = (info: { Config: { Labels: Record<string, string> } }) =>
    info.Config.Labels["com.docker.compose.service"] ?? "";
  const logsOf = async (name: string) =>
    project.compose(["logs", "--no-color", "--tail", "60", name]).catch((e) => String(e));
  const diagnose = async () => {
    const states = (await project.containers()).map(
      (c) => `${service(c)}: ${c.State.Status} ${c.State.Health?.Status ?? ""}`,
    );
    const logs = await Promise.all(["devnet-indexer", "devnet-node", "devnet-traffic"].map(logsOf));
    return `${states.join("\n")}\n${logs.join("\n")}`;
  };

  beforeAll(async () => {
    expect(unavailable, "OLNODE_DOCKER_E2E=1: the Docker e2e must run here").toBeUndefined();
    const dir = makeTempDir("olnode-docker-");
    engine = await startDockerEngine(`${dir}/engine`);
    await makeStandInImages(engine, `${dir}/standin`);
    await buildOlnodeImages(engine, TAG);
    ports = {
      DEVNET_RPC_PORT: await allocatePort(),
      DEVNET_INDEXER_PORT: await allocatePort(),
      DEVNET_NODE_HTTP_PORT: await allocatePort(),
      DEVNET_NODE_2_HTTP_PORT: await allocatePort(),
    };
    graphqlUrl = `http://127.0.0.1:${ports.DEVNET_INDEXER_PORT}/graphql`;
    project = composeProject(engine, { name: `olnode-e2e-${process.pid}`, dir, tag: TAG, ports });
    await project.compose(["up", "-d", "--no-build", "devnet-traffic"], 900_000);
  }, 2_400_000);

  afterAll(async () => {
    if (!engine) return;
    await project?.compose(["down", "-v", "--timeout", "20"]).catch(() => {});
    await engine.stop();
  }, 300_000);

  it("turns every healthcheck healthy; the setup exits 0", async () => {
    await waitFor(
      "every long-running devnet service healthy and devnet-setup exited",
      async () => {
        const containers = await project.containers();
        const unmet = LONG_RUNNING.filter((name) => {
          const c = containers.find((x) => service(x) === name);
          return c?.State.Health?.Status !== "healthy";
        });
        const setup = containers.find((x) => service(x) === "devnet-setup");
        if (setup?.State.Status === "exited" && (setup.State as { ExitCode?: number }).ExitCode !== 0)
          throw new WaitForAbort(`devnet-setup failed:\n${await logsOf("devnet-setup")}`);
        return unmet.length ? notYet(`not healthy: ${unmet.join(", ")}`) : containers;
      },
      { timeoutMs: 600_000, intervalMs: 3000, diagnose },
    );
  }, 660_000);

  it("runs every olnode container as a non-root user", async () => {
    for (const c of await project.containers()) {
      if (!OLNODE_SERVICES.includes(service(c))) continue;
      expect(c.Config.User, service(c)).toBe("node");
      if (c.State.Status !== "running") continue;
      const uid = (await engine!.docker(["exec", c.Name.replace(/^\//, ""), "id", "-u"])).trim();
      expect(uid, service(c)).toBe("1000");
    }
  }, 120_000);

  it("accepts contributions, attributes inferences and lands attestations on-chain, seen in GraphQL", async () => {
    const counts = await waitFor(
      "accepted contributions, attributed inferences, attestations and points for both workers",
      async () => {
        const c = await graphql<Counts>(graphqlUrl, COUNTS).catch((e) => notYet(String(e)));
        if (!("accepted" in c)) return c;
        const unmet = [
          c.accepted.totalCount > 0 ? "" : "no accepted contribution",
          c.inferences.totalCount > 0 ? "" : "no inference",
          c.attributions.totalCount > 0 ? "" : "no attribution entry",
          c.attestations.totalCount > 0 ? "" : "no attestation",
          c.workers.items.filter((w) => BigInt(w.totalPoints) > 0n).length >= 2
            ? ""
            : "not both workers earned points",
        ].filter(Boolean);
        return unmet.length ? notYet(unmet.join(", "), c) : c;
      },
      { timeoutMs: 600_000, intervalMs: 3000, diagnose },
    );
    expect(counts.workers.items.length).toBeGreaterThanOrEqual(2);
    // Attestations are transactions on the chain, not only rows: the anvil port answers with their receipts.
    const rpc = `http://127.0.0.1:${ports.DEVNET_RPC_PORT}`;
    const { attestations } = await graphql<{ attestations: { items: { transactionHash: string }[] } }>(
      graphqlUrl,
      "{ attestations(limit: 3) { items { transactionHash } } }",
    );
    for (const a of attestations.items) {
      const res = await fetch(rpc, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "eth_getTransactionReceipt",
          params: [a.transactionHash],
        }),
      });
      const { result } = (await res.json()) as { result: { status: string } | null };
      expect(result?.status, a.transactionHash).toBe("0x1");
    }
    for (const port of [ports.DEVNET_NODE_HTTP_PORT, ports.DEVNET_NODE_2_HTTP_PORT]) {
      const ready = await waitFor(
        `node on ${port} ready`,
        async () => {
          const r = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
          return r?.status === 200 ? r : notYet(`/ready ${r?.status}`, await r?.text());
        },
        { timeoutMs: 120_000, intervalMs: 2000, diagnose },
      );
      expect(ready.status).toBe(200);
    }
  }, 900_000);

  it("resumes after down and up on the same volumes, without re-indexing from block 0", async () => {
    const before = await graphql<Counts>(graphqlUrl, COUNTS);
    await project.compose(["down", "--timeout", "30"], 300_000);
    expect(await project.containers()).toEqual([]);
    expect((await project.volumes()).length).toBeGreaterThan(0);
    await project.compose(["up", "-d", "--no-build", "devnet-traffic"], 900_000);
    const after = await waitFor(
      "the indexer answering again with at least what it had",
      async () => {
        const c = await graphql<Counts>(graphqlUrl, COUNTS).catch((e) => notYet(String(e)));
        if (!("accepted" in c)) return c;
        return c.accepted.totalCount >= before.accepted.totalCount
          ? c
          : notYet("fewer contributions than before", c);
      },
      { timeoutMs: 600_000, intervalMs: 3000, diagnose },
    );
    expect(after.inferences.totalCount).toBeGreaterThanOrEqual(before.inferences.totalCount);
    // Ponder found its earlier checkpoint in the same schema and went on from there.
    const indexerLogs = await project.compose(["logs", "--no-color", "devnet-indexer"]);
    expect(indexerLogs).toMatch(/Detected crash recovery/);
    // The setup kept the contracts on the persisted chain instead of deploying again.
    expect(await project.compose(["logs", "--no-color", "devnet-setup"])).toMatch(
      /contracts already on chain/,
    );
  }, 1_800_000);

  it("leaves no container, network or volume after down -v", async () => {
    await project.compose(["down", "-v", "--timeout", "30"], 300_000);
    expect(await project.containers()).toEqual([]);
    expect(await project.networks()).toEqual([]);
    expect(await project.volumes()).toEqual([]);
  }, 400_000);
});
