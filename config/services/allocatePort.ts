import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A free TCP port on 127.0.0.1 that no other openledger-node process on this machine has claimed.
 *
 * The OS picks a free port (bind to 0); a claim file in a shared directory, created with O_EXCL, then makes
 * sure two processes that ask at the same moment (parallel test files, several devnet nodes) never get the
 * same one between our close() and the real server's bind. Claims of dead processes are taken over.
 */
const claimDir = join(tmpdir(), "olnode-ports");

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function osFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tryClaim(port: number): boolean {
  const file = join(claimDir, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
    return true;
  } catch {
    let owner = 0;
    try {
      owner = Number(readFileSync(file, "utf8"));
    } catch {
      return false;
    }
    if (owner === process.pid || pidAlive(owner)) return false;
    rmSync(file, { force: true });
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      return true;
    } catch {
      return false;
    }
  }
}

export async function allocatePort(host = "127.0.0.1"): Promise<number> {
  mkdirSync(claimDir, { recursive: true });
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await osFreePort(host);
    if (port > 0 && tryClaim(port)) return port;
  }
  throw new Error(
    `Could not find a free TCP port on ${host} after 50 attempts; is the machine out of ports?`,
  );
}

function osPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * `port` when it is free and unclaimed (so a devnet's URLs are the familiar ones), any free port otherwise.
 * The claim keeps two devnets started at the same moment (parallel test files) off the same port.
 */
export async function preferPort(port: number, host = "127.0.0.1"): Promise<number> {
  mkdirSync(claimDir, { recursive: true });
  if ((await osPortFree(port, host)) && tryClaim(port)) return port;
  return allocatePort(host);
}

/** Gives a claimed port back (optional: claims of exited processes are reclaimed anyway). */
export function releasePort(port: number): void {
  const file = join(claimDir, String(port));
  try {
    if (Number(readFileSync(file, "utf8")) === process.pid) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

/** The kernel's ephemeral port range (ip_local_port_range): where bind(0) and outgoing connections take ports. */
export function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    if (Number(low) > 0 && Number(high) >= Number(low)) return [Number(low), Number(high)];
  } catch {
    // not Linux: IANA's dynamic range, which BSDs and macOS use
  }
  return [49152, 65535];
}

/**
 * A free, claimed TCP port outside the kernel's ephemeral range, for a port that is bound, freed and bound again
 * later (a Docker container's published port across `compose down` and `up`). In between, the kernel may hand a
 * port of allocatePort (taken from the ephemeral range) to any bind(0) or outgoing connection on the machine, and
 * the second bind fails with "address already in use"; a port below that range is only ever taken on purpose.
 */
export async function allocateStablePort(host = "127.0.0.1"): Promise<number> {
  mkdirSync(claimDir, { recursive: true });
  const [ephemeralLow, ephemeralHigh] = ephemeralPortRange();
  // Registered ports below the ephemeral range, clear of the well-known ones services use by default (< 10000).
  const [low, high] = ephemeralLow > 20000 ? [10000, ephemeralLow - 1] : [ephemeralHigh + 1, 65535];
  if (high - low < 100)
    throw new Error(`No room for stable ports outside the ephemeral range ${ephemeralLow}-${ephemeralHigh}`);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if ((await osPortFree(port, host)) && tryClaim(port)) return port;
  }
  throw new Error(`Could not find a free TCP port in ${low}-${high} on ${host} after 200 attempts`);
}
