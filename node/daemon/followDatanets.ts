import type { Kysely } from "kysely";
import type { Common } from "../../config/common/createCommon.ts";
import type { IndexerViews } from "../../indexer/indexerViews.ts";
import type { P2PNode } from "../../p2p/index.ts";

/**
 * Subscribes the p2p node to every Datanet the indexer knows, now and every `intervalMs` as new ones appear:
 * chunks of any of them may be assigned to this worker or needed for a re-check.
 */
export async function followDatanets(
  common: Common,
  parameters: { views: Kysely<IndexerViews>; p2p: Pick<P2PNode, "subscribe">; intervalMs?: number },
): Promise<void> {
  const subscribed = new Set<bigint>();
  const subscribeAll = async () => {
    try {
      const rows = await parameters.views.selectFrom("datanet").select("id").execute();
      for (const r of rows) {
        const id = BigInt(r.id);
        if (!subscribed.has(id)) {
          subscribed.add(id);
          parameters.p2p.subscribe(id);
        }
      }
    } catch {
      // indexer not ready yet
    }
  };
  await subscribeAll();
  const timer = setInterval(() => void subscribeAll(), parameters.intervalMs ?? 2000);
  common.shutdown.add("datanet subscriptions", () => clearInterval(timer));
}
