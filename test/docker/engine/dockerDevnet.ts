import { join } from "node:path";
import { allocateStablePort } from "../../../config/services/allocatePort.ts";
import { REPO_DIR } from "../composeConfig.ts";
import { buildOlnodeImages, type ComposeProject, composeProject } from "./composeProject.ts";
import { loadOrMakeStandInImages } from "./makeStandInImages.ts";
import { type DockerEngine, startDockerEngine } from "./startDockerEngine.ts";

/**
 * Where the stand-in base images and the olnode build's dependency layer are kept between runs (an ignored
 * folder of the checkout, one generation of each, named by what they are made of). OLNODE_DOCKER_CACHE moves it;
 * deleting it makes the next run build everything again.
 */
export const DOCKER_CACHE_DIR = process.env.OLNODE_DOCKER_CACHE ?? join(REPO_DIR, ".cache", "docker-e2e");

export type DockerImages = {
  engine: DockerEngine;
  /** Seconds each step took: engine, base images (and whether they came from the cache), olnode build. */
  timings: Record<string, number | string>;
};

/** A private engine with the stand-in base images and the olnode images (`openledger/olnode:<tag>[-devnet]`). */
export async function startEngineWithImages(
  dir: string,
  tag: string,
  log: (line: string) => void = () => {},
): Promise<DockerImages> {
  const timings: Record<string, number | string> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round((now - t) / 100) / 10;
    t = now;
    log(`${name}: ${timings[name]} s`);
  };
  const engine = await startDockerEngine(join(dir, "engine"));
  lap("engine_s");
  try {
    timings.base_images = await loadOrMakeStandInImages(engine, join(dir, "standin"), DOCKER_CACHE_DIR, log);
    lap("base_images_s");
    await buildOlnodeImages(engine, tag, DOCKER_CACHE_DIR, log);
    lap("build_s");
  } catch (error) {
    await engine.stop();
    throw error;
  }
  return { engine, timings };
}

/** Host ports of the devnet profile, outside the kernel's ephemeral range: `up` binds them again after `down`. */
export async function devnetPorts(): Promise<Record<string, number>> {
  return {
    DEVNET_RPC_PORT: await allocateStablePort(),
    DEVNET_INDEXER_PORT: await allocateStablePort(),
    DEVNET_NODE_HTTP_PORT: await allocateStablePort(),
    DEVNET_NODE_2_HTTP_PORT: await allocateStablePort(),
  };
}

export type DevnetProject = {
  project: ComposeProject;
  ports: Record<string, number>;
  graphqlUrl: string;
  rpcUrl: string;
};

/** A compose project of the devnet profile on the engine, with free stable host ports. */
export async function devnetProject(
  engine: DockerEngine,
  parameters: { name: string; dir: string; tag: string },
): Promise<DevnetProject> {
  const ports = await devnetPorts();
  return {
    project: composeProject(engine, { ...parameters, ports }),
    ports,
    graphqlUrl: `http://127.0.0.1:${ports.DEVNET_INDEXER_PORT}/graphql`,
    rpcUrl: `http://127.0.0.1:${ports.DEVNET_RPC_PORT}`,
  };
}
