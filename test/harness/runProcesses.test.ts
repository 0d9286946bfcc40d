import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { killProcesses, listeningPorts, processesWithEnv, startedAt, uptimeSeconds } from "./runProcesses.ts";
import { notYet, waitFor } from "./waitFor.ts";

describe("runProcesses (the leak check's view of /proc)", () => {
  it("finds a grandchild by an inherited variable, sees its port, and kills it", async () => {
    const marker = `marker-${process.pid}-${Date.now()}`;
    const before = uptimeSeconds();
    // A shell that starts a node server: the server inherits the variable two levels down.
    const server = "require('node:net').createServer().listen(0, '127.0.0.1'); setInterval(() => {}, 1000)";
    const shell = spawn("sh", ["-c", `"${process.execPath}" -e "${server}" & wait`], {
      env: { ...process.env, OLTEST_MARKER: marker },
      stdio: "ignore",
    });
    try {
      const node = await waitFor(
        "the node grandchild",
        () =>
          processesWithEnv("OLTEST_MARKER", marker).find((p) =>
            p.command.startsWith(`${process.execPath} -e`),
          ) ?? notYet("no node process with the marker yet"),
        { timeoutMs: 20_000, intervalMs: 50 },
      );
      expect(startedAt(node.pid)!).toBeGreaterThanOrEqual(before - 0.01);
      const ports = await waitFor("its listening port", () => listeningPorts(node.pid)[0], {
        timeoutMs: 20_000,
      });
      expect(ports).toBeGreaterThan(0);
      expect(processesWithEnv("OLTEST_MARKER", "someone else's")).toEqual([]);
      expect(await killProcesses(processesWithEnv("OLTEST_MARKER", marker).map((p) => p.pid))).toEqual([]);
      expect(processesWithEnv("OLTEST_MARKER", marker)).toEqual([]);
    } finally {
      shell.kill("SIGKILL");
    }
  });
});
