// What a completion's text shows about degeneration: long runs of one character
// ("!!!!!!!!", a known RL collapse) and several answer blocks in one completion.

/** Length of the longest run of one repeated character. */
export function longestCharRun(text: string): number {
  let best = 0;
  let run = 0;
  let previous = '';
  for (const ch of text) {
    run = ch === previous ? run + 1 : 1;
    previous = ch;
    if (run > best) best = run;
  }
  return best;
}

/** Number of `<answer>` blocks opened in the text. */
export function answerBlocks(text: string): number {
  return text.split('<answer>').length - 1;
}
