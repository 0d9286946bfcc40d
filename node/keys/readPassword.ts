import { readFileSync } from "node:fs";
import { NonRetryableUserError } from "../../config/errors/BaseError.ts";

/** Reads a password from a file (trailing newline stripped), as docker secrets and systemd credentials give them. */
export function readPasswordFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new NonRetryableUserError(
      `Cannot read the password file ${path}: ${(error as NodeJS.ErrnoException).code}.`,
      {
        hint: "Check worker.passwordFile / --password-file.",
      },
    );
  }
  const password = text.replace(/\r?\n$/, "");
  if (!password) throw new NonRetryableUserError(`The password file ${path} is empty.`);
  return password;
}

/** Prompts on the terminal without echoing. Only when stdin is a TTY: a daemon must never hang on a prompt. */
export async function promptPassword(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    throw new NonRetryableUserError("A keystore password is needed, but there is no terminal to ask on.", {
      hint: "Pass --password-file <file> (or set worker.passwordFile).",
    });
  }
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let password = "";
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (data: Buffer) => {
        for (const ch of data.toString("utf8")) {
          if (ch === "\r" || ch === "\n") {
            stdin.off("data", onData);
            process.stderr.write("\n");
            resolve(password);
            return;
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            reject(new NonRetryableUserError("Cancelled."));
            return;
          }
          if (ch === "\u007f" || ch === "\b") password = password.slice(0, -1);
          else password += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

export async function obtainPassword(passwordFile: string | undefined, confirm: boolean): Promise<string> {
  if (passwordFile) return readPasswordFile(passwordFile);
  const first = await promptPassword("Keystore password: ");
  if (!first) throw new NonRetryableUserError("The password must not be empty.");
  if (confirm && (await promptPassword("Repeat password: ")) !== first) {
    throw new NonRetryableUserError("The passwords do not match.");
  }
  return first;
}
