import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import type { BaseError } from "../errors/BaseError.ts";
import { launchPostgres } from "./launchPostgres.ts";

describe("launchPostgres", () => {
  it("fails clearly on a port in use and leaves no temporary data dir behind", async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
    const port = (squatter.address() as { port: number }).port;
    try {
      const error = (await launchPostgres({ port }).then(
        () => undefined,
        (e: unknown) => e,
      )) as BaseError | undefined;
      expect(error?.shortMessage).toMatch(/exited before it was ready/);
      const dataDir = /using (\S+)\?/.exec(error?.hint ?? "")?.[1];
      expect(dataDir).toMatch(/olnode-pg-/);
      expect(existsSync(dataDir!)).toBe(false);
    } finally {
      squatter.close();
    }
  }, 60_000);
});
