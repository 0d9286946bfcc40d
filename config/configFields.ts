import { z } from "zod/v4";
import { configSchema, type FieldMeta } from "./schema.ts";

/** One leaf of the config schema: where it lives, how it is spelled in env, what it accepts. */
export type ConfigField = {
  path: string[];
  /** Dotted path, e.g. `p2p.maxConnections`. */
  key: string;
  env: string;
  kind: "string" | "number" | "integer" | "boolean" | "enum" | "array";
  options?: readonly string[];
  defaultValue?: unknown;
  meta: FieldMeta;
};

export const ENV_PREFIX = "OLNODE__";

export function toEnvSegment(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

export function envName(path: readonly string[]): string {
  return ENV_PREFIX + path.map(toEnvSegment).join("__");
}

type Def = { type: string; innerType?: z.ZodType; defaultValue?: unknown; shape?: Record<string, z.ZodType> };

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function metaOf(schema: z.ZodType): FieldMeta | undefined {
  return z.globalRegistry.get(schema) as FieldMeta | undefined;
}

function leafKind(schema: z.ZodType): Pick<ConfigField, "kind" | "options"> {
  const def = defOf(schema);
  switch (def.type) {
    case "default":
    case "optional":
    case "nullable":
      return leafKind(def.innerType!);
    case "pipe":
      return leafKind((def as unknown as { in: z.ZodType }).in);
    case "boolean":
      return { kind: "boolean" };
    case "number": {
      const format = (schema as unknown as { format?: string }).format;
      return { kind: format === "safeint" || format === "int32" ? "integer" : "number" };
    }
    case "enum":
      return { kind: "enum", options: (schema as unknown as { options: string[] }).options };
    case "array":
      return { kind: "array" };
    default:
      return { kind: "string" };
  }
}

function collect(
  schema: z.ZodType,
  path: string[],
  out: ConfigField[],
  outerMeta?: FieldMeta,
  outerDefault?: unknown,
) {
  const def = defOf(schema);
  const meta = outerMeta ?? metaOf(schema);
  if (def.type === "default" || def.type === "optional") {
    const d = def.type === "default" ? def.defaultValue : outerDefault;
    return collect(def.innerType!, path, out, meta, outerDefault ?? d);
  }
  if (def.type === "object") {
    for (const [k, child] of Object.entries(def.shape!)) collect(child, [...path, k], out);
    return;
  }
  out.push({
    path,
    key: path.join("."),
    env: envName(path),
    ...leafKind(schema),
    defaultValue: typeof outerDefault === "function" ? (outerDefault as () => unknown)() : outerDefault,
    meta: meta ?? { description: "", example: "" },
  });
}

/** Every leaf of the config schema, in schema order. */
export const CONFIG_FIELDS: readonly ConfigField[] = (() => {
  const out: ConfigField[] = [];
  collect(configSchema, [], out);
  return out;
})();

export const FIELDS_BY_ENV = new Map(CONFIG_FIELDS.map((f) => [f.env, f]));
export const FIELDS_BY_KEY = new Map(CONFIG_FIELDS.map((f) => [f.key, f]));
