import { type Address, isAddress, parseEther } from "viem";
import { NonRetryableUserError } from "../../config/errors/BaseError.ts";
import { type DeployParams, defaultDeployParams } from "../../contracts/deploy/deployContracts.ts";

/** Addresses a params file may name besides the numeric parameters. */
const ADDRESS_KEYS = ["treasury"] as const;

export class DeployParamsError extends NonRetryableUserError {
  override name = "DeployParamsError";
}

/**
 * Reads deploy parameters from JSON (the `--params` file, or the progress file's record): any subset of
 * `DeployParams`. Amounts in wei are decimal strings or safe integers; "0.1 OPEN" is also accepted. Throws
 * DeployParamsError naming the key for anything else, so a typo never deploys a default silently.
 */
export function parseDeployParams(json: unknown, source: string): Partial<DeployParams> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new DeployParamsError(`${source} must hold a JSON object of deploy parameters.`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const bad = (expected: string) =>
      new DeployParamsError(`${source}: ${key} must be ${expected} (got ${JSON.stringify(value)}).`, {
        hint: "See `olnode deploy --help` and contracts/README.md for each parameter.",
      });
    if ((ADDRESS_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== "string" || !isAddress(value, { strict: false })) throw bad("a 0x address");
      out[key] = value as Address;
      continue;
    }
    if (!(key in defaultDeployParams)) {
      throw new DeployParamsError(`${source}: unknown deploy parameter "${key}".`, {
        hint: `Known: ${[...Object.keys(defaultDeployParams), ...ADDRESS_KEYS].join(", ")}.`,
      });
    }
    const template = defaultDeployParams[key as keyof DeployParams];
    if (typeof template === "bigint") {
      if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) out[key] = BigInt(value);
      else if (typeof value === "string" && /^\d{1,78}$/.test(value)) out[key] = BigInt(value);
      else if (typeof value === "string" && /^\d{1,40}(\.\d{1,18})? OPEN$/.test(value))
        out[key] = parseEther(value.slice(0, -5));
      else throw bad('a non-negative integer (wei), as a string or number, or "<amount> OPEN"');
    } else {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 2 ** 32 - 1)
        throw bad("an integer between 0 and 4294967295");
      out[key] = value;
    }
  }
  return out as Partial<DeployParams>;
}

/**
 * The JSON form of parameters (bigints as decimal strings), as the progress file records them. The admin is
 * left out: it is always the deployer, recorded beside them.
 */
export function serializeDeployParams(params: Partial<DeployParams>): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(params)
      .filter(([k, v]) => v !== undefined && k !== "admin")
      .map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : (v as string | number)]),
  );
}
