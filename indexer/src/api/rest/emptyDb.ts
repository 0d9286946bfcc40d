import type { RestDb } from "./defineRoute.ts";

/**
 * A stand-in for Ponder's read-only client in unit tests of the router and the document: every query
 * builds as in Drizzle and resolves to no rows. Behaviour against real rows is tested against a real indexer
 * (test/indexer/restApi.e2e.test.ts).
 */
export function emptyDb(): RestDb {
  const chain: object = new Proxy(() => undefined, {
    get: (_target, key) =>
      key === "then" ? (resolve: (rows: unknown[]) => void) => resolve([]) : () => chain,
    apply: () => chain,
  });
  return chain as RestDb;
}
