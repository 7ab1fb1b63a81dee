// Splits a completion into its reasoning, its answer and anything else, so the
// trace view can style each part. Display only: scoring is the verifier's job.

export type TracePartKind = 'think' | 'answer' | 'text';

export interface TracePart {
  kind: TracePartKind;
  /** The part's text including its tags, exactly as the model wrote it. */
  text: string;
}

const TAG = /<(\/?)(think|answer)>/g;

/**
 * Walks the tags in order. A completion that starts inside `<think>` (the
 * TinyZero prompt ends with the opening tag) counts as reasoning up to the first
 * `</think>`. Unclosed parts run to the end; stray closing tags stay in place.
 */
export function splitTraceParts(completion: string): TracePart[] {
  const parts: TracePart[] = [];
  const firstClose = completion.indexOf('</think>');
  const firstOpen = completion.indexOf('<think>');
  let kind: TracePartKind = firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen) ? 'think' : 'text';
  let start = 0;
  const emit = (end: number) => {
    if (end > start) parts.push({ kind, text: completion.slice(start, end) });
    start = end;
  };
  for (const m of completion.matchAll(TAG)) {
    const closing = m[1] === '/';
    const tag = m[2] as 'think' | 'answer';
    const at = m.index!;
    if (!closing && kind === 'text') {
      emit(at);
      kind = tag;
    } else if (closing && kind === tag) {
      emit(at + m[0].length);
      kind = 'text';
    }
  }
  emit(completion.length);
  return parts;
}
