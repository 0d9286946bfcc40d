import { spawn } from "node:child_process";
import { anvilBinary } from "../../config/services/launchAnvil.ts";
import { recoverAnvilState, snapshotAnvilState } from "./anvilStateFile.ts";

/**
 * The compose devnet's anvil (docker/compose.yaml, service devnet-anvil): `node node/devnet/runAnvilWithState.ts
 * <anvil args>`, where the args include `--state <file>`. Recovers a state file a stop cut short before anvil
 * starts, keeps a copy of the last whole state while it runs, and passes SIGTERM/SIGINT on so anvil writes its
 * state at exit.
 */
const args = process.argv.slice(2);
const stateAt = args.indexOf("--state");
const stateFile = stateAt >= 0 ? args[stateAt + 1] : undefined;
const say = (line: string) => process.stderr.write(`runAnvilWithState: ${line}\n`);

let lastCopied = 0;
if (stateFile) {
  const recovery = recoverAnvilState(stateFile);
  if (recovery.kind === "restored") {
    say(
      `${stateFile} was cut short (a stop during anvil's write); moved it to ${recovery.cutAside} and restored the last whole state from ${recovery.from}. The chain resumes a few seconds back; the indexer treats the difference as a reorg.`,
    );
  } else if (recovery.kind === "reset") {
    say(
      `${stateFile} was cut short and there is no whole copy to restore; moved it to ${recovery.cutAside}. anvil starts a new chain: run \`docker compose --profile devnet down -v\` for a clean devnet.`,
    );
  }
}

const child = spawn(anvilBinary(), args, { stdio: "inherit" });
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => child.kill(signal));
const timer = stateFile
  ? setInterval(() => {
      try {
        lastCopied = snapshotAnvilState(stateFile, lastCopied);
      } catch (error) {
        say(`could not copy ${stateFile}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }, 2_000)
  : undefined;
child.on("exit", (code, signal) => {
  if (timer) clearInterval(timer);
  if (stateFile && code === 0) {
    try {
      snapshotAnvilState(stateFile, lastCopied);
    } catch {
      // The state file itself is what anvil loads next; the copy is only the fallback.
    }
  }
  process.exit(code ?? (signal ? 1 : 0));
});
