import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import pg from "pg";

/**
 * The Postgres role /sql runs as: LOGIN, no other privilege than USAGE on the views schema and SELECT on the
 * views of the index's own tables. Not the indexer schema, not `_ponder_meta` or `_ponder_checkpoint` (which
 * Ponder also puts in the views schema), not `ponder_sync`, not other deployments' schemas. What every role can
 * read anyway stays readable (the pg_catalog relations, without pg_authid or other roles' query texts).
 */
export function sqlReaderRoleName(viewsSchema: string): string {
  return `${viewsSchema}_sql_reader`.slice(0, 63);
}

/**
 * The role's password, derived from the admin credentials and server (not the database: roles are
 * cluster-wide), so every indexer on the server computes the same one and a second indexer's start-up does
 * not lock out the first one's pool. It never leaves this process: Postgres gets a SCRAM verifier.
 */
export function sqlReaderUrl(adminUrl: string, role: string): string {
  const url = new URL(adminUrl);
  const server = `${url.protocol}//${url.username}:${url.password}@${url.host}`;
  url.username = role;
  url.password = createHmac("sha256", server).update(`olnode sql reader ${role}`).digest("base64url");
  return url.toString();
}

/** RFC 5802 / 7677 verifier, so `ALTER ROLE … PASSWORD` never carries the password itself. */
function scramVerifier(password: string): string {
  const salt = randomBytes(16);
  const iterations = 4096;
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Creates or refreshes the role (idempotent; concurrent indexers serialize on an advisory lock). */
export async function ensureSqlReaderRole(admin: pg.Pool, adminUrl: string, role: string): Promise<void> {
  try {
    await ensureRoleOnce(admin, adminUrl, role);
  } catch (error) {
    // Two databases of one server creating the role at once (the advisory lock is per database): once more.
    if (!["42710", "23505", "XX000"].includes((error as { code?: string }).code ?? "")) throw error;
    await ensureRoleOnce(admin, adminUrl, role);
  }
}

async function ensureRoleOnce(admin: pg.Pool, adminUrl: string, role: string): Promise<void> {
  const password = new URL(sqlReaderUrl(adminUrl, role)).password;
  const client = await admin.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext('olnode sql reader role'))");
    const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
    if (exists.rowCount === 0) await client.query(`CREATE ROLE ${ident(role)}`);
    await client.query(
      `ALTER ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 16 PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`,
    );
    // Also bounded when someone connects as the role by hand.
    await client.query(`ALTER ROLE ${ident(role)} SET default_transaction_read_only = on`);
    await client.query(`ALTER ROLE ${ident(role)} SET statement_timeout = '30s'`);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Grants SELECT on the views of `tables` when they all exist and the role lacks it; true once the role can
 * read them all. Ponder drops and re-creates the views when a backfill completes, which drops the grants:
 * call it again until it says true, and now and then after.
 */
export async function grantSqlReader(
  admin: pg.Pool,
  role: string,
  viewsSchema: string,
  tables: readonly string[],
): Promise<boolean> {
  const { rows } = await admin.query<{ name: string; granted: boolean }>(
    `SELECT c.relname AS name, has_table_privilege($1, c.oid, 'SELECT') AS granted
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $2 AND c.relname = ANY($3::text[])`,
    [role, viewsSchema, tables],
  );
  if (rows.length < tables.length) return false; // the backfill has not made the views yet
  if (rows.every((r) => r.granted)) return true;
  const list = tables.map((t) => `${ident(viewsSchema)}.${ident(t)}`).join(", ");
  await admin.query(`GRANT USAGE ON SCHEMA ${ident(viewsSchema)} TO ${ident(role)}`);
  await admin.query(`GRANT SELECT ON ${list} TO ${ident(role)}`);
  return true;
}
