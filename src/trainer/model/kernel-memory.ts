// Sizing the WebAssembly memories the hand-written kernels own (decoding,
// training attention, fused kernels): 64 KiB pages, at most 4 GB in a 32-bit memory.

export const PAGE_BYTES = 65536;
/** Pages in 4 GB, the most a 32-bit memory holds. */
export const MAX_PAGES = 65536;

/** Pages that hold `bytes`; past 4 GB, an error whose message `tooLarge` writes from the size in GB. */
export function pagesFor(bytes: number, tooLarge: (gigabytes: string) => string): number {
  const pages = Math.ceil(bytes / PAGE_BYTES);
  if (pages > MAX_PAGES) throw new Error(tooLarge((bytes / 2 ** 30).toFixed(1)));
  return pages;
}

/** Grows `memory` to at least `pages` (it never shrinks). */
export function growTo(memory: WebAssembly.Memory, pages: number): void {
  const have = memory.buffer.byteLength / PAGE_BYTES;
  if (pages > have) memory.grow(pages - have);
}
