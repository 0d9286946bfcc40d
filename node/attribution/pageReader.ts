import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { IndexFileError } from "./attributionErrors.ts";

/** Bytes per page: the kernel's page size, so one read is one page-cache page. */
export const PAGE_BYTES = 4096;
const PAGE_WORDS = PAGE_BYTES / 4;

/**
 * Positional reads of little-endian u32 words from a file, through a small LRU of pages. Nothing is mapped and
 * nothing grows with the file: the resident cost is `pages × 4 KiB`, whatever the file's size. Offsets are
 * JavaScript numbers (exact to 2^53), so files past 2 GiB and 4 GiB read like any other.
 */
export type PageReader = {
  readonly path: string;
  readonly fileBytes: number;
  /** The u32 at byte `offset` (a multiple of 4). */
  u32(offset: number): number;
  /** `length` bytes at `offset`, read straight from the file (no cache): for sections loaded once. */
  bytes(offset: number, length: number): Uint8Array;
  close(): void;
};

export type PageReaderOptions = {
  /** Pages kept (default 4096, i.e. 16 MiB). */
  pages?: number;
};

export function openPageReader(path: string, { pages = 4096 }: PageReaderOptions = {}): PageReader {
  let fd: number;
  let fileBytes: number;
  try {
    fd = openSync(path, "r");
    fileBytes = fstatSync(fd).size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new IndexFileError(
      code === "ENOENT" ? "NOT_FOUND" : "READ_FAILED",
      path,
      code === "ENOENT" ? `Index file ${path} does not exist.` : `Cannot open index file ${path}.`,
      (error as Error).message,
    );
  }
  // CLOCK (second chance) over a fixed set of slots: a hit only sets a bit; a miss reuses the first slot not
  // used since the hand last passed. Slots are allocated once, so serving allocates nothing.
  const slotOf = new Map<number, number>();
  const slotPage: number[] = [];
  const slotWords: Uint32Array[] = [];
  const used = new Uint8Array(Math.max(1, pages));
  let hand = 0;
  let lastPage = -1;
  let lastWords: Uint32Array = new Uint32Array(0);
  let closed = false;

  const readAt = (target: Uint8Array, offset: number): number => {
    if (closed) throw new IndexFileError("READ_FAILED", path, `Index file ${path} was closed.`);
    let done = 0;
    try {
      while (done < target.length) {
        const n = readSync(fd, target, done, target.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
    } catch (error) {
      throw new IndexFileError(
        "READ_FAILED",
        path,
        `Cannot read index file ${path}.`,
        (error as Error).message,
      );
    }
    return done;
  };

  const load = (page: number): Uint32Array => {
    let slot = slotOf.get(page);
    if (slot === undefined) {
      if (slotWords.length < used.length) {
        slot = slotWords.length;
        slotWords.push(new Uint32Array(PAGE_WORDS));
        slotPage.push(page);
      } else {
        while (used[hand] === 1) {
          used[hand] = 0;
          hand = (hand + 1) % used.length;
        }
        slot = hand;
        hand = (hand + 1) % used.length;
        slotOf.delete(slotPage[slot]!);
        slotPage[slot] = page;
      }
      slotOf.set(page, slot);
      const expected = Math.min(PAGE_BYTES, fileBytes - page * PAGE_BYTES);
      const words = slotWords[slot]!;
      if (readAt(new Uint8Array(words.buffer), page * PAGE_BYTES) < expected) {
        slotOf.delete(page);
        slotPage[slot] = -1;
        throw new IndexFileError("TRUNCATED", path, `${path} became shorter while it was open.`);
      }
    }
    used[slot] = 1;
    lastPage = page;
    lastWords = slotWords[slot]!;
    return lastWords;
  };

  return {
    path,
    fileBytes,
    u32(offset) {
      if (offset + 4 > fileBytes) {
        throw new IndexFileError(
          "TRUNCATED",
          path,
          `${path} is shorter than its header says (read at ${offset}).`,
        );
      }
      const page = Math.floor(offset / PAGE_BYTES);
      const words = page === lastPage ? lastWords : load(page);
      return words[(offset - page * PAGE_BYTES) >>> 2]!;
    },
    bytes(offset, length) {
      const out = new Uint8Array(length);
      if (readAt(out, offset) !== length) {
        throw new IndexFileError("TRUNCATED", path, `${path} ends before byte ${offset + length}.`);
      }
      return out;
    },
    close() {
      if (closed) return;
      closed = true;
      slotOf.clear();
      slotWords.length = 0;
      lastPage = -1;
      closeSync(fd);
    },
  };
}
