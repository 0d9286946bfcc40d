import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { registerDiagnosis } from "../currentTest.ts";
import { lastLines } from "../waitFor.ts";
import type { NetnsHost, NetnsLab } from "./createNetnsLab.ts";

const RUNNER = join(import.meta.dirname, "netnsNodeRunner.ts");

export type NetnsEvent =
  | { event: "complete"; dataRoot: string; at: number }
  | { event: "raw"; id: string; at: number }
  | { event: "ready"; pid: number };

/** A runner process (netnsNodeRunner.ts) inside one lab host: requests and the events it reports. */
export type NetnsNode = {
  host: NetnsHost;
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: the runner's answers are JSON, typed at each call site
  call<T = any>(op: string, args?: Record<string, unknown>): Promise<T>;
  onEvent(listener: (event: NetnsEvent) => void): () => void;
  /** The last lines the runner wrote to stderr (its logs), for a diagnosis. */
  logTail(): string;
  stop(): Promise<void>;
};

/**
 * Starts the runner in `host`'s namespace with its data in `dir`. Its logs are kept for waitFor's diagnosis;
 * `stop()` closes its stdin (it stops its nodes and exits) and kills it if it does not.
 */
export async function startNetnsNode(lab: NetnsLab, host: NetnsHost, dir: string): Promise<NetnsNode> {
  mkdirSync(dir, { recursive: true });
  const child: ChildProcess = lab.spawnIn(host, process.execPath, [RUNNER, dir], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const name = `netns host ${host.index} (${host.ip})`;
  let log = "";
  child.stderr!.on("data", (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Set<(event: NetnsEvent) => void>();
  let exited: string | undefined;
  let nextId = 1;
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let message: { id?: number; ok?: boolean; result?: unknown; error?: string; event?: string };
      try {
        message = JSON.parse(line);
      } catch {
        log += `${line}\n`;
        return;
      }
      if (message.event === "ready") resolve();
      if (message.event) for (const l of listeners) l(message as NetnsEvent);
      if (message.id === undefined) return;
      const p = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) p?.resolve(message.result);
      else p?.reject(new Error(`${name}: ${message.error}`));
    });
    child.once("exit", (code, signal) => {
      exited = `${name} exited (${code ?? signal})`;
      const error = new Error(`${exited}\n${lastLines(name, log)}`);
      reject(error);
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    });
  });
  registerDiagnosis(name, () => lastLines(name, log, 15));
  await ready;
  return {
    host,
    name,
    call(op, args = {}) {
      if (exited) return Promise.reject(new Error(exited));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    logTail: () => lastLines(name, log),
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once("exit", r));
      child.stdin!.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
