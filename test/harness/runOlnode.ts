import { spawn } from "node:child_process";

/** The CLI's entry file, as a test runs it with this Node. */
export const OLNODE_ENTRY = new URL("../../node/cli/olnode.ts", import.meta.url).pathname;

export type OlnodeRun = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
};

/** `olnode <args>` as its own process with exactly `env`, its output collected until it exits. */
export function runOlnode(args: readonly string[], env: NodeJS.ProcessEnv): Promise<OlnodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OLNODE_ENTRY, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
