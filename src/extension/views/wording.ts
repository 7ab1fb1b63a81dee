// Text the notifications put together from parts the trainer wrote as clauses.

/** A clause as a sentence: capitalised, ending with a full stop. */
export function sentence(text: string): string {
  const t = text.trim();
  return t === '' ? '' : `${t[0]!.toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
}
