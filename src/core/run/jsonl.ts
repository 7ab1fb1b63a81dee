// Append-only JSONL: one record per line. A writer may be killed mid-line, so a
// reader keeps an unterminated last line as `rest` (to prepend to the next chunk)
// and skips a line that does not parse instead of failing.

export interface JsonlChunk<T> {
  records: T[];
  /** Text after the last newline: a line still being written (or torn). */
  rest: string;
  /** Complete lines that were not valid JSON (counted, never thrown). */
  skipped: number;
}

export function parseJsonl<T = unknown>(text: string): JsonlChunk<T> {
  const end = text.lastIndexOf('\n');
  const complete = end < 0 ? '' : text.slice(0, end);
  const rest = text.slice(end + 1);
  const records: T[] = [];
  let skipped = 0;
  for (const line of complete.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      skipped++;
    }
  }
  return { records, rest, skipped };
}
