import { type ChildProcess, execFile, execFileSync, type SpawnOptions, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const DELAYER = join(import.meta.dirname, "linkDelayer.py");
/** Every namespace a lab makes is named `olwan-<pid of the process that made it>-<run id>-…`: see reapNetnsLabs. */
const PREFIX = "olwan";
const SUBNET = "10.213.0";

/** How one host's link behaves, each way: `tc netem`'s delay and loss, and a bandwidth cap. */
export type LinkShape = { delayMs: number; lossPercent: number; rateMbit: number };

export type NetnsHost = {
  index: number;
  /** The host's network namespace (`ip netns exec <ns> …`). */
  ns: string;
  ip: string;
  shape: LinkShape;
};

export type NetnsLab = {
  prefix: string;
  hosts: NetnsHost[];
  /** Starts `command` inside the host's namespace (same environment and file descriptors as here). */
  spawnIn(host: NetnsHost, command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Changes a host's delay or loss now (the bandwidth cap stays). */
  setShape(host: NetnsHost, shape: Partial<Omit<LinkShape, "rateMbit">>): void;
  /** Silently drops every packet between hosts on different sides (a blackhole, as a real partition is). */
  partition(sides: readonly (readonly NetnsHost[])[]): Promise<void>;
  heal(): Promise<void>;
  /** Kills what runs in the namespaces and deletes them (links and bridge go with them). Idempotent. */
  destroy(): Promise<void>;
};

/**
 * Why this machine cannot run a lab (not root, no iproute2/iptables/python3, namespaces refused), or undefined
 * when it can: it really makes and deletes a namespace to know.
 */
export function netnsUnavailableReason(): string | undefined {
  if (process.platform !== "linux") return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "network namespaces need root (CI runs as root)";
  for (const [tool, args] of [
    ["ip", ["-V"]],
    ["tc", ["-V"]],
    ["iptables", ["--version"]],
    ["python3", ["--version"]],
  ] as const) {
    try {
      execFileSync(tool, args, { stdio: "ignore" });
    } catch {
      return `${tool} is missing (install iproute2, iptables and python3)`;
    }
  }
  const probe = `${PREFIX}-${process.pid}-probe`;
  try {
    execFileSync("ip", ["netns", "add", probe], { stdio: "pipe" });
  } catch (error) {
    return `ip netns add failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  } finally {
    try {
      execFileSync("ip", ["netns", "del", probe], { stdio: "ignore" });
    } catch {
      // never made
    }
  }
  return undefined;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

async function killNamespaceProcesses(ns: string): Promise<void> {
  const { stdout } = await run("ip", ["netns", "pids", ns]).catch(() => ({ stdout: "" }));
  for (const pid of stdout.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

/**
 * Deletes the namespaces of labs whose process is gone (a run killed before its cleanup), with whatever still
 * runs in them. Returns their names. Labs of live processes (another run on this machine) are left alone.
 */
export async function reapNetnsLabs(): Promise<string[]> {
  const { stdout } = await run("ip", ["netns", "list"]);
  const stale = stdout
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter((name) => {
      const owner = new RegExp(`^${PREFIX}-(\\d+)-`).exec(name)?.[1];
      return owner !== undefined && !isAlive(Number(owner));
    });
  for (const ns of stale) {
    await killNamespaceProcesses(ns);
    await run("ip", ["netns", "del", ns]).catch(() => undefined);
  }
  return stale;
}

/**
 * A small Internet on this machine: one namespace per host, each joined by a veth pair to a bridge in a
 * namespace of its own; nothing is added to the machine's own namespace. Per host link:
 * - delay and loss on what the host receives: a queue (iptables NFQUEUE) served by linkDelayer.py, which holds
 *   each packet `delayMs` and drops `lossPercent` of them. This machine's kernel has no sch_netem, so `tc netem`
 *   is not available; the delay is taken on receive because a packet held on the sender's side still counts
 *   against its socket (TCP small queues) and would throttle TCP far below the link's rate. A->B thus takes
 *   B's delay one way and A's back: the round trip between two hosts is the sum of their delays.
 * - a bandwidth cap each way: `tc tbf` on the host's end (upload) and on the bridge's end (download).
 * Call `destroy()` in a finally/afterAll; a lab left by a killed run is removed by the next (reapNetnsLabs).
 */
export async function createNetnsLab(parameters: {
  hosts: number;
  shape(index: number): LinkShape;
  /** Seeds each host's loss draws (host index added), so a failing run's losses can be replayed. */
  seed?: number;
}): Promise<NetnsLab> {
  await reapNetnsLabs();
  const prefix = `${PREFIX}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const bridge = `${prefix}-br`;
  const made: string[] = [];
  const delayers = new Map<NetnsHost, ChildProcess>();
  const hosts: NetnsHost[] = [];
  const sh = async (command: string, args: string[]) => {
    try {
      await run(command, args);
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? "").trim();
      throw new Error(`${command} ${args.join(" ")} failed: ${stderr || String(error)}`);
    }
  };
  let destroyed: Promise<void> | undefined;
  const destroy = () => {
    destroyed ??= (async () => {
      for (const d of delayers.values()) d.kill("SIGKILL");
      for (const ns of made) await killNamespaceProcesses(ns);
      for (const ns of made.reverse()) await run("ip", ["netns", "del", ns]).catch(() => undefined);
    })();
    return destroyed;
  };

  try {
    await sh("ip", ["netns", "add", bridge]);
    made.push(bridge);
    await sh("ip", ["-n", bridge, "link", "add", "br0", "type", "bridge"]);
    await sh("ip", ["-n", bridge, "link", "set", "br0", "up"]);
    for (let index = 0; index < parameters.hosts; index++) {
      const ns = `${prefix}-h${index}`;
      const port = `h${index}`;
      const host: NetnsHost = { index, ns, ip: `${SUBNET}.${index + 1}`, shape: parameters.shape(index) };
      await sh("ip", ["netns", "add", ns]);
      made.push(ns);
      await sh("ip", [
        "link",
        "add",
        "eth0",
        "netns",
        ns,
        "type",
        "veth",
        "peer",
        "name",
        port,
        "netns",
        bridge,
      ]);
      await sh("ip", ["-n", bridge, "link", "set", port, "master", "br0", "up"]);
      await sh("ip", ["-n", ns, "addr", "add", `${host.ip}/24`, "dev", "eth0"]);
      await sh("ip", ["-n", ns, "link", "set", "eth0", "up"]);
      await sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
      const tbf = (rate: number) => [
        "root",
        "tbf",
        "rate",
        `${rate}mbit`,
        "burst",
        "64kb",
        "latency",
        "200ms",
      ];
      await sh("tc", ["-n", ns, "qdisc", "add", "dev", "eth0", ...tbf(host.shape.rateMbit)]);
      await sh("tc", ["-n", bridge, "qdisc", "add", "dev", port, ...tbf(host.shape.rateMbit)]);
      const seed = String((parameters.seed ?? Date.now()) + index);
      const delayer = spawn(
        "ip",
        [
          "netns",
          "exec",
          ns,
          "python3",
          DELAYER,
          "0",
          String(host.shape.delayMs),
          String(host.shape.lossPercent),
          seed,
        ],
        { stdio: ["pipe", "pipe", "pipe"] },
      );
      delayers.set(host, delayer);
      await new Promise<void>((resolve, reject) => {
        let err = "";
        delayer.stderr!.on("data", (d) => {
          err += d;
        });
        delayer.stdout!.once("data", () => resolve());
        delayer.once("exit", (code) =>
          reject(new Error(`linkDelayer in ${ns} exited (${code}): ${err.trim()}`)),
        );
      });
      // The queue has a reader now; from here on, no packet reaches the host without passing it.
      const ipt = (...args: string[]) => sh("ip", ["netns", "exec", ns, "iptables", "-w", ...args]);
      await ipt("-t", "mangle", "-A", "PREROUTING", "-i", "eth0", "-j", "NFQUEUE", "--queue-num", "0");
      await ipt("-N", "OLWAN_PARTITION");
      await ipt("-A", "INPUT", "-j", "OLWAN_PARTITION");
      await ipt("-A", "OUTPUT", "-j", "OLWAN_PARTITION");
      hosts.push(host);
    }
  } catch (error) {
    await destroy();
    throw error;
  }

  const partitionChain = (host: NetnsHost, ...args: string[]) =>
    sh("ip", ["netns", "exec", host.ns, "iptables", "-w", ...args]);

  return {
    prefix,
    hosts,
    spawnIn(host, command, args, options = {}) {
      return spawn("ip", ["netns", "exec", host.ns, command, ...args], options);
    },
    setShape(host, shape) {
      const delayer = delayers.get(host)!;
      if (shape.delayMs !== undefined) delayer.stdin!.write(`delay ${shape.delayMs}\n`);
      if (shape.lossPercent !== undefined) delayer.stdin!.write(`loss ${shape.lossPercent}\n`);
      Object.assign(host.shape, shape);
    },
    async partition(sides) {
      const sideOf = new Map<NetnsHost, number>();
      sides.forEach((side, i) => {
        for (const h of side) sideOf.set(h, i);
      });
      for (const host of hosts) {
        for (const other of hosts) {
          if (other === host || sideOf.get(other) === sideOf.get(host)) continue;
          await partitionChain(host, "-A", "OLWAN_PARTITION", "-s", other.ip, "-j", "DROP");
          await partitionChain(host, "-A", "OLWAN_PARTITION", "-d", other.ip, "-j", "DROP");
        }
      }
    },
    async heal() {
      for (const host of hosts) await partitionChain(host, "-F", "OLWAN_PARTITION");
    },
    destroy,
  };
}
