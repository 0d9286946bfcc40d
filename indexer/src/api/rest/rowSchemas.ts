import { getTableColumns, type Table } from "drizzle-orm";
import { z } from "zod/v4";

/**
 * JSON shapes of the index's rows as the REST API sends them, read off the Ponder tables themselves
 * (ponder.schema.ts), so a column added there is in the OpenAPI document without a second definition:
 * bigints (numeric(78)) as decimal strings, hex as lower-case 0x strings, nullable columns as `T | null`.
 */
export const decimalString = z
  .string()
  .regex(/^-?(0|[1-9][0-9]*)$/)
  .meta({ description: "an integer as a decimal string (JSON numbers cannot hold 256-bit values)" });
export const hexString = z
  .string()
  .regex(/^0x[0-9a-f]*$/)
  .meta({ description: "bytes as lower-case hex" });
export const jsonObject = z.record(z.string(), z.union([z.string(), z.boolean()]));

type Column = {
  columnType: string;
  notNull: boolean;
  baseColumn?: Column;
};

function columnSchema(column: Column): z.ZodType {
  switch (column.columnType) {
    case "PgEvmBigint":
      return decimalString;
    case "PgHex":
      return hexString;
    case "PgText":
      return z.string();
    case "PgInteger":
      return z.number().int();
    case "PgBoolean":
      return z.boolean();
    case "PgJson":
      return jsonObject;
    case "PgArray":
      return z.array(columnSchema({ ...column.baseColumn!, notNull: true }));
    default:
      throw new Error(`rowSchema: no JSON shape for column type ${column.columnType}; add it here`);
  }
}

/**
 * The row of `table` as JSON, every column required (a null column is sent as null). `overrides` narrow a
 * column the table types loosely (a status text column to its enum).
 */
export function rowSchema(
  table: Table,
  overrides: Record<string, z.ZodType> = {},
): z.ZodObject<Record<string, z.ZodType>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, column] of Object.entries(getTableColumns(table))) {
    const c = column as unknown as Column;
    const schema = overrides[name] ?? columnSchema(c);
    shape[name] = c.notNull ? schema : schema.nullable();
  }
  return z.object(shape).strict();
}

/** A list page: its items in order and the cursor of the next page (null on the last one). */
export const pageSchema = (item: z.ZodType) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().meta({ description: "pass as `cursor` for the next page" }),
    })
    .strict();

/** Every error: a machine-readable code and a message for a human that says what to change. */
export const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }).strict() })
  .strict();
