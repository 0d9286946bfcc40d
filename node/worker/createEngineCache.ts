import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  type AttributionEngine,
  buildIndexFile,
  type Corpus,
  createAttributionEngine,
  createAttributionIndex,
  indexCorpus,
  loadAttributionEngine,
} from "../attribution/index.ts";

export type EngineCacheParameters = {
  /**
   * Where corpora are kept as index files, searched in place. With it, memory stays bounded whatever the
   * corpus size: at most `openIndexes` files are open (~1 byte/token each), and a build holds its corpus
   * (4 bytes/token) plus `memoryBudgetBytes`. Without it, corpora stay in memory (8 bytes/token each).
   */
  indexDir?: string;
  /** Corpora kept (files, or engines in memory). */
  cacheSize?: number;
  /** Index files open at once (default 1). */
  openIndexes?: number;
  /** In memory only: shards a grown corpus may have before they are merged into one. */
  maxShards?: number;
  /** Working memory of a file build (buildIndexFile), default 1 GiB. */
  memoryBudgetBytes?: number;
};

type Entry = { ids: readonly bigint[]; path?: string; engine?: AttributionEngine };

/**
 * The inference checker's corpora, keyed by the exact set of accepted contributions. An entry is an engine in
 * memory or an index file (opened on use, closed when others are opened). Least recently used first out.
 */
export function createEngineCache(parameters: EngineCacheParameters = {}) {
  const { indexDir, cacheSize = 4, openIndexes = 1, maxShards = 8 } = parameters;
  const entries = new Map<string, Entry>();
  if (indexDir) {
    // The folder is this cache's alone: what a previous run left there is rebuilt on demand, not trusted.
    mkdirSync(indexDir, { recursive: true });
    for (const f of readdirSync(indexDir)) {
      if (f.endsWith(".idx") || f.includes(".idx.tmp-") || f.startsWith(".olnode-index-build-")) {
        rmSync(join(indexDir, f), { recursive: true, force: true });
      }
    }
  }

  const touch = (key: string, entry: Entry) => {
    entries.delete(key);
    entries.set(key, entry);
  };
  /** Closes open files beyond `openIndexes`, oldest use first. */
  const closeExtra = (keep: string) => {
    let open = 0;
    for (const [key, e] of [...entries].reverse()) {
      if (!e.path || !e.engine) continue;
      if (key === keep || open < openIndexes - 1) {
        if (key !== keep) open++;
        continue;
      }
      e.engine.close();
      e.engine = undefined;
    }
  };
  const evict = () => {
    while (entries.size > cacheSize) {
      const [key, e] = entries.entries().next().value!;
      entries.delete(key);
      if (e.path) {
        e.engine?.close();
        rmSync(e.path, { force: true });
      }
    }
  };
  const open = (key: string, entry: Entry): AttributionEngine => {
    if (!entry.engine) {
      // The node wrote this file itself: the structure check suffices (no pass over the whole file).
      entry.engine = loadAttributionEngine(entry.path!, {}, { check: "structure" });
    }
    touch(key, entry);
    closeExtra(key);
    return entry.engine;
  };

  /** Writes `corpus` as this key's index file (within the memory budget) and keeps it open. */
  const keepFile = (
    key: string,
    ids: readonly bigint[],
    corpus: Corpus,
    tokenizerId: string,
    separator: number,
  ): AttributionEngine => {
    const path = join(indexDir!, `${key.replace(/^0x/, "")}.idx`);
    buildIndexFile({
      path,
      tokenizerId,
      separator,
      corpus,
      memoryBudgetBytes: parameters.memoryBudgetBytes ?? 2 ** 30,
    });
    const engine = loadAttributionEngine(path, {}, { check: "structure" });
    touch(key, { ids, engine, path });
    closeExtra(key);
    evict();
    return engine;
  };

  return {
    /** The engine for exactly this corpus, if kept. */
    get(key: string): AttributionEngine | undefined {
      const entry = entries.get(key);
      return entry ? open(key, entry) : undefined;
    },
    /** The largest kept corpus whose contributions are the first ones of `accepted` (ascending ids). */
    prefixOf(
      accepted: readonly { id: bigint }[],
    ): { ids: readonly bigint[]; engine: AttributionEngine } | undefined {
      let best: [string, Entry] | undefined;
      for (const [key, e] of entries) {
        if (e.ids.length >= accepted.length || (best && e.ids.length <= best[1].ids.length)) continue;
        if (e.ids.every((id, i) => id === accepted[i]!.id)) best = [key, e];
      }
      return best && { ids: best[1].ids, engine: open(best[0], best[1]) };
    },
    /** Keeps `engine` for this corpus: written to one index file when there is an indexDir. */
    put(key: string, ids: readonly bigint[], engine: AttributionEngine): AttributionEngine {
      if (indexDir) {
        return keepFile(
          key,
          ids,
          indexCorpus(engine.index),
          engine.index.tokenizerId,
          engine.index.separator,
        );
      }
      const kept = engine.index.shards.length > maxShards ? engine.merge() : engine;
      touch(key, { ids, engine: kept });
      evict();
      return kept;
    },
    /**
     * Keeps the engine for a corpus built from nothing (tokenized contributions). With an indexDir it goes
     * straight into an index file: the corpus (4 bytes/token) and the build budget in memory, never a suffix
     * array of the whole corpus (an in-memory build peaks at ~16 bytes/token). Without, one shard in memory.
     */
    putCorpus(
      key: string,
      ids: readonly bigint[],
      corpus: Corpus,
      tokenizer: { id: string; vocabSize: number },
    ): AttributionEngine {
      const empty = createAttributionIndex({ tokenizerId: tokenizer.id, separator: tokenizer.vocabSize });
      // An empty corpus has nothing to search: it stays in memory whatever the mode.
      if (!indexDir || corpus.tokens.length === 0) {
        const index = corpus.tokens.length === 0 ? empty : empty.withShard(corpus);
        const engine = createAttributionEngine({ index });
        touch(key, { ids, engine });
        evict();
        return engine;
      }
      return keepFile(key, ids, corpus, tokenizer.id, tokenizer.vocabSize);
    },
    /** Closes every open file and deletes the files (they are this process's cache, rebuilt on demand). */
    close() {
      for (const e of entries.values()) {
        if (e.path) {
          e.engine?.close();
          rmSync(e.path, { force: true });
        }
      }
      entries.clear();
    },
  };
}
