import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{config,contracts,indexer,p2p,node,test}/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/.ponder/**"],
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
