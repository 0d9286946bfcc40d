import { defineConfig } from "vitest/config";

/**
 * The Docker e2e (image builds and a compose stack: ~10 minutes of both cores) is a step of its own:
 * `npm run test:docker`, which .ci/run runs after `npm test`. Beside the rest of the suite it starves it.
 */
const DOCKER_E2E = "test/docker/composeStack.e2e.test.ts";
const dockerStep = process.env.OLNODE_DOCKER_E2E === "1";

export default defineConfig({
  test: {
    include: dockerStep ? [DOCKER_E2E] : ["{config,contracts,indexer,p2p,node,test}/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/.ponder/**", ...(dockerStep ? [] : [DOCKER_E2E])],
    // The run's temp dir, Postgres, load mode and leak check; per file, the cleanup after a failed test.
    globalSetup: ["test/harness/globalSetup.ts"],
    setupFiles: ["test/harness/testSetup.ts"],
    // Integration tests start real anvil, Postgres, Ponder and libp2p processes.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two cores: more parallel files only make the real services starve each other.
    maxWorkers: 2,
  },
});
