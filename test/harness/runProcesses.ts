import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export type RunProcess = { pid: number; ppid: number; command: string };

/** The environment a process was started with (/proc/<pid>/environ), or undefined if it cannot be read. */
function environOf(pid: number): Map<string, string> | undefined {
  try {
    const env = new Map<string, string>();
    for (const entry of readFileSync(`/proc/${pid}/environ`, "latin1").split("\0")) {
      const eq = entry.indexOf("=");
      if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
    return env;
  } catch {
    return undefined; // gone, or not ours to read
  }
}

function describe(pid: number): RunProcess | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command in stat is in parentheses and may contain spaces: the fields after the last ")" are fixed.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (rest[0] === "Z") return undefined; // a zombie holds nothing: its parent has yet to reap it
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim();
    return { pid, ppid: Number(rest[1]), command: cmdline.slice(0, 300) };
  } catch {
    return undefined;
  }
}

/**
 * Every live process on this machine whose environment has `name=value` (inherited from the process that set
 * it, however many forks and execs down), except this one. Linux only (/proc); elsewhere, none.
 */
export function processesWithEnv(name: string, value: string): RunProcess[] {
  let pids: number[];
  try {
    pids = readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
  const out: RunProcess[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    if (environOf(pid)?.get(name) !== value) continue;
    const p = describe(pid);
    if (p) out.push(p);
  }
  return out;
}

/** SIGKILLs `pids` and waits (up to `waitMs`) until none of them is alive; returns those still alive. */
export async function killProcesses(pids: number[], waitMs = 10_000): Promise<number[]> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + waitMs;
  let alive = pids;
  while (alive.length && Date.now() < deadline) {
    alive = alive.filter((pid) => describe(pid) !== undefined);
    if (alive.length) await new Promise((r) => setTimeout(r, 50));
  }
  return alive;
}

/** Seconds since boot at which `pid` started (/proc/<pid>/stat field 22, at the usual 100 ticks a second). */
export function startedAt(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]) / 100;
  } catch {
    return undefined;
  }
}

/** Seconds since boot now, on the same clock as startedAt. */
export function uptimeSeconds(): number {
  try {
    return Number(readFileSync("/proc/uptime", "latin1").split(" ")[0]);
  } catch {
    return 0;
  }
}

/** The TCP ports `pid` listens on (its socket fds matched against /proc/net/tcp{,6} LISTEN entries). */
export function listeningPorts(pid: number): number[] {
  const listening = new Map<string, number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "latin1");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, st 0A is LISTEN, inode is the 10th field.
      if (f[3] === "0A" && f[9]) listening.set(f[9], Number.parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  const ports = new Set<number>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        const port = inode && listening.get(inode);
        if (port) ports.add(port);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // gone
  }
  return [...ports].sort((a, b) => a - b);
}
