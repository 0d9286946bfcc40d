import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devnetProject, startEngineWithImages } from "../docker/engine/dockerDevnet.ts";
import { STAND_IN_IMAGES } from "../docker/engine/makeStandInImages.ts";
import { dockerEngineUnavailable } from "../docker/engine/startDockerEngine.ts";
import { type Benchmark, figure } from "./benchmark.ts";
import { attributions, measureHostDevnet } from "./node.bench.ts";

const TAG = "bench";

const benchmarks: Benchmark[] = [
  {
    name: "docker.devnet_ready",
    description:
      "seconds from `docker compose --profile devnet up` (images built) to the first attributed inference in GraphQL, beside `olnode devnet` on the host; image sizes",
    // Root, Debian's docker.io, docker-compose and debootstrap, and ~10 minutes: only when named.
    optIn: true,
    async run() {
      const unavailable = dockerEngineUnavailable();
      if (unavailable) throw new Error(`docker.devnet_ready needs a Docker engine: ${unavailable}`);
      const dir = mkdtempSync(join(tmpdir(), "olnode-bench-docker-"));
      const log = (line: string) => console.error(`# docker: ${line}`);
      const { engine, timings } = await startEngineWithImages(dir, TAG, log);
      let composeUp = Number.NaN;
      let upReturned = Number.NaN;
      const sizes: Record<string, number> = {};
      try {
        for (const [name, image] of [
          ["production", `openledger/olnode:${TAG}`],
          ["devnet", `openledger/olnode:${TAG}-devnet`],
          ["base", STAND_IN_IMAGES.node],
        ] as const) {
          const bytes = await engine.docker(["image", "inspect", "-f", "{{.Size}}", image]);
          sizes[name] = Math.round(Number(bytes.trim()) / 1e5) / 10;
        }
        const { project, graphqlUrl } = await devnetProject(engine, {
          name: `olnode-bench-${process.pid}`,
          dir,
          tag: TAG,
        });
        try {
          const t0 = performance.now();
          // `up -d` returns once the nodes are healthy and the traffic service started (compose's depends_on).
          await project.compose(["up", "-d", "--no-build", "devnet-traffic"], 900_000);
          upReturned = (performance.now() - t0) / 1000;
          const deadline = Date.now() + 600_000;
          while ((await attributions(graphqlUrl)) === 0) {
            if (Date.now() > deadline)
              throw new Error("the compose devnet never showed an attributed inference");
            await new Promise((r) => setTimeout(r, 250));
          }
          composeUp = (performance.now() - t0) / 1000;
        } finally {
          await project.compose(["down", "-v", "--timeout", "20"], 300_000).catch(() => {});
        }
      } finally {
        await engine.stop();
        rmSync(dir, { recursive: true, force: true });
      }
      log(`compose devnet: ${composeUp.toFixed(1)} s; now olnode devnet on the host`);
      const host = await measureHostDevnet();
      return [
        figure(
          "docker.devnet_ready",
          composeUp,
          "s",
          host.attributedS,
          "baseline: `olnode devnet` on the host (same run, after the compose stack was removed), to its first attributed inference",
          {
            compose_up_returned_s: Math.round(upReturned * 10) / 10,
            host_urls_printed_s: host.upS,
            setup: timings,
          },
        ),
        figure(
          "docker.image_size",
          sizes.production!,
          "MB",
          sizes.base!,
          "the production olnode image (docker/Dockerfile's default target) on the stand-in Node base; baseline: that base (Debian bookworm minbase, Node 24, npm)",
          { devnet_image_mb: sizes.devnet },
        ),
      ];
    },
  },
];

export default benchmarks;
