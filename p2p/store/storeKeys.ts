/**
 * LevelDB key layout. Hex everywhere so keys sort the way we iterate them:
 *
 *   c/<chunkHash>              chunk bytes (content-addressed: identical chunks are stored once)
 *   k/<chunkHash>              u32 reference count (how many (dataRoot, index) entries point at the chunk)
 *   r/<dataRoot>/<index:8hex>  chunkHash ‖ proof hashes (what a sync response needs besides the bytes)
 *   m/<dataRoot>               contribution record (JSON): datanet, count, present, bytes, completeness
 *   d/<datanetId:64hex>/<root> per-Datanet index of contributions
 *   s/totals                   size accounting (JSON): unique chunk bytes and count
 *   x/<dataRoot>               tombstone of a pruned contribution: its chunks are not taken again
 *   b/<peerId>                 a ban (JSON: until, reason), so bans survive a restart; expired ones are dropped
 */
export const keys = {
  chunk: (chunkHash: string) => `c/${chunkHash}`,
  refs: (chunkHash: string) => `k/${chunkHash}`,
  entry: (dataRoot: string, index: number) => `r/${dataRoot}/${index.toString(16).padStart(8, "0")}`,
  entriesOf: (dataRoot: string) => ({ gt: `r/${dataRoot}/`, lt: `r/${dataRoot}/~` }),
  record: (dataRoot: string) => `m/${dataRoot}`,
  records: { gt: "m/", lt: "m/~" },
  datanet: (datanetId: bigint, dataRoot: string) => `d/${datanetHex(datanetId)}/${dataRoot}`,
  datanetRoots: (datanetId: bigint) => ({
    gt: `d/${datanetHex(datanetId)}/`,
    lt: `d/${datanetHex(datanetId)}/~`,
  }),
  totals: "s/totals",
  tombstone: (dataRoot: string) => `x/${dataRoot}`,
  ban: (peerId: string) => `b/${peerId}`,
  bans: { gt: "b/", lt: "b/~" },
};

function datanetHex(datanetId: bigint): string {
  return datanetId.toString(16).padStart(64, "0");
}

/** `r/<root>/<index>` → index. */
export function indexOfEntryKey(key: string): number {
  return Number.parseInt(key.slice(key.lastIndexOf("/") + 1), 16);
}
