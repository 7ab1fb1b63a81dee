// Reads an append-only JSONL file incrementally: each `read()` returns the
// records completed since the last one. A torn or unfinished last line waits
// for its newline; a file that was rewritten (it shrank, or its first bytes
// changed) is read again from the start. The extension follows run folders
// with it, the veRL bridge veRL's logs.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { parseJsonl } from './jsonl';

const CHUNK = 1 << 20;
/** Bytes from the start of the file that must stay the same while it only grows. */
const HEAD = 256;

export class JsonlTail<T> {
  private offset = 0;
  private rest = '';
  private decoder = new StringDecoder('utf8');
  private head: Buffer = Buffer.alloc(0);
  /** Complete lines that were not JSON, over the file's life. */
  skipped = 0;
  /** Times the file was rewritten and read again from its start. */
  restarts = 0;

  constructor(readonly file: string) {}

  /** New complete records; [] when the file is missing or unchanged. */
  read(): T[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset || !this.sameHead(fd)) {
        this.reset();
        this.restarts++;
      }
      let text = this.rest;
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, size - this.offset)));
      while (this.offset < size) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        // The decoder keeps a multi-byte character split across reads for the next one.
        text += this.decoder.write(buffer.subarray(0, n));
      }
      if (this.head.length < HEAD && this.offset > this.head.length) this.head = this.readHead(fd);
      const chunk = parseJsonl<T>(text);
      this.rest = chunk.rest;
      this.skipped += chunk.skipped;
      return chunk.records;
    } finally {
      closeSync(fd);
    }
  }

  private readHead(fd: number): Buffer {
    const head = Buffer.alloc(Math.min(HEAD, this.offset));
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  }

  private sameHead(fd: number): boolean {
    return this.head.length === 0 || this.readHead(fd).subarray(0, this.head.length).equals(this.head);
  }

  private reset(): void {
    this.offset = 0;
    this.rest = '';
    this.decoder = new StringDecoder('utf8');
    this.head = Buffer.alloc(0);
  }
}
