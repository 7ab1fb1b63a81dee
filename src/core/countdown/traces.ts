// Search traces for pretraining a base model from scratch, in the spirit of
// Stream of Search, in a compact line format a small character-level model can
// learn to copy (format: docs/countdown-rules.md, "Search traces").
//
//   3*2=6|9 6->12: *54 +15 no   a step (two numbers, the numbers left after it); with two
//                                left, the target restated, then the results that can hit it, until one does
//   9-3=6|2 6->12: *12 ok
//   @44 19 35                   back to a state other than the start (deeper searches, BFS levels)
//   (9-3)*2=12                  last line: the answer, which the <answer> tag copies
//
// Every number a line writes follows from numbers on that line or the one it
// extends, in an order that does not depend on results: a depth-first search
// tries pairs in list order and operations in an order picked from what is
// visible (growing ones first when the target is above every number left,
// shrinking ones first otherwise), and a pair of numbers is settled with only
// the operations that can reach the target. Ordering steps by how close their result
// comes to the target would make "a result near the target" a shortcut a small
// model learns instead of arithmetic. The target is restated on every line that
// settles two numbers, so whether a result hits it is read a few characters
// back, not from the prompt.
//
// Operations are those of Stream of Search: a+b, a*b, larger-smaller, and
// larger/smaller only when exact, so every number written is a non-negative
// integer. A trace that finds no solution within its budget ends with its best
// wrong answer (the result closest to the target).
import { type RandomGenerator, unsafeUniformIntDistribution } from 'pure-rand';
import type { Operator, TraceStyle } from '../spec/config';
import { type Expr, num, op, printExpr } from './expression';
import type { Problem } from './problem';

export interface Trace {
  /** Text after the prompt's `<think>`: the search lines, `</think>` and the answer. */
  completion: string;
  /** Whether the answer reaches the target (then it scores correct). */
  solved: boolean;
  expression: string;
}

/** States a BFS level keeps, and children it writes per state. */
const BEAM = 3;

const GROWING_FIRST: readonly Operator[] = ['*', '+', '-', '/'];
const SHRINKING_FIRST: readonly Operator[] = ['-', '/', '+', '*'];

interface Item {
  value: number;
  expr: Expr;
}

interface Step {
  op: Operator;
  line: string;
  item: Item;
}

interface Child {
  line: string;
  items: Item[];
  rank: number;
  /** Distance of the new number to the target: the second key. */
  near: number;
  tie: number;
}

/** The result of settling a state of two numbers. */
interface Leaf {
  /** Appended to the line that names the state: `->12: *54 +15 no`. */
  suffix: string;
  /** The result closest to the target among those written. */
  item: Item;
  distance: number;
}

/** Most promising first: the closest number left to the target, then the closest new number, then `rng`. */
function byPromise(x: Child, y: Child): number {
  return x.rank - y.rank || x.near - y.near || x.tie - y.tie;
}

function listOf(items: Item[]): string {
  return items.map((i) => i.value).join(' ');
}

/**
 * The results of one step on a pair in `order`, the larger operand first for
 * every operation: `9*3` and `3*9` are one fact to learn, not two.
 */
function stepsOf(a: Item, b: Item, order: readonly Operator[]): Step[] {
  const [hi, lo] = a.value >= b.value ? [a, b] : [b, a];
  const out: Step[] = [];
  for (const o of order) {
    const [x, y, value] =
      o === '+' ? [hi, lo, a.value + b.value]
      : o === '*' ? [hi, lo, a.value * b.value]
      : o === '-' ? [hi, lo, hi.value - lo.value]
      : [hi, lo, lo.value !== 0 && hi.value % lo.value === 0 ? hi.value / lo.value : NaN];
    if (Number.isSafeInteger(value)) out.push({ op: o, line: `${x.value}${o}${y.value}=${value}`, item: { value, expr: op(o, x.expr, y.expr) } });
  }
  return out;
}

class TraceSearch {
  readonly lines: string[] = [];
  /** Nodes written (steps and leaves); `@` lines do not count. */
  private nodes = 0;
  private current: string;
  private readonly start: string;
  private best: { leaf: Leaf; path: string[] } | null = null;
  private readonly path: string[] = [];

  constructor(
    private readonly target: number,
    root: Item[],
    private readonly budget: number,
    private readonly rng: RandomGenerator,
  ) {
    this.start = listOf(root);
    this.current = this.start;
  }

  /** Operations to try on a state: growing ones first when the target is above every number in it. */
  private order(items: Item[]): readonly Operator[] {
    return items.every((i) => i.value < this.target) ? GROWING_FIRST : SHRINKING_FIRST;
  }

  private heuristic(items: Item[]): number {
    let h = Infinity;
    for (const i of items) h = Math.min(h, Math.abs(i.value - this.target));
    return h;
  }

  /** Children of a state of three or more numbers: pairs in list order, operations in `order`. */
  children(items: Item[]): Child[] {
    const out: Child[] = [];
    const order = this.order(items);
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const rest = items.filter((_, k) => k !== i && k !== j);
        for (const s of stepsOf(items[i]!, items[j]!, order)) {
          const next = [...rest, s.item];
          out.push({
            line: `${s.line}|${listOf(next)}`,
            items: next,
            rank: this.heuristic(next),
            near: Math.abs(s.item.value - this.target),
            tie: unsafeUniformIntDistribution(0, 0x3fffffff, this.rng),
          });
        }
      }
    }
    return out;
  }

  /**
   * The results of the last two numbers that can hit the target, up to the first that does:
   * the growing operations when the target is above both, else the shrinking ones (a sum or
   * product at or below the larger number equals its difference or quotient with 0 or 1).
   */
  leaf(items: Item[]): Leaf {
    const written: string[] = [];
    let best: { item: Item; distance: number } | null = null;
    for (const s of stepsOf(items[0]!, items[1]!, this.order(items).slice(0, 2))) {
      written.push(`${s.op}${s.item.value}`);
      const distance = Math.abs(s.item.value - this.target);
      if (best === null || distance < best.distance) best = { item: s.item, distance };
      if (distance === 0) break;
    }
    return { suffix: `->${this.target}: ${written.join(' ')} ${best!.distance === 0 ? 'ok' : 'no'}`, ...best! };
  }

  get exhausted(): boolean {
    return this.nodes >= this.budget;
  }

  /** Moves to a state, writing `@state` unless the previous line ended in it or it is the start (the prompt holds it). */
  enter(items: Item[]): void {
    const list = listOf(items);
    if (list !== this.current && list !== this.start) this.write(`@${list}`);
    this.current = list;
  }

  write(line: string): void {
    this.lines.push(line);
  }

  step(child: Child): void {
    this.nodes++;
    this.write(child.line);
    this.current = listOf(child.items);
  }

  /** Settles a state of two numbers on the line that names it; true when it hits the target. */
  finishPair(items: Item[]): boolean {
    const leaf = this.leaf(items);
    this.nodes++;
    if (this.lines.length === 0 || this.current !== listOf(items)) this.write(listOf(items));
    this.lines[this.lines.length - 1] += leaf.suffix;
    this.current = '';
    if (this.best === null || leaf.distance < this.best.leaf.distance) {
      const named = this.path.length > 0 ? this.path.at(-1)! : listOf(items);
      this.best = { leaf, path: [...this.path.slice(0, -1), named + leaf.suffix] };
    }
    return leaf.distance === 0;
  }

  dfs(items: Item[]): boolean {
    if (this.exhausted) return false;
    this.enter(items);
    if (items.length === 2) return this.finishPair(items);
    for (const child of this.children(items)) {
      if (this.exhausted) return false;
      this.enter(items);
      this.step(child);
      this.path.push(child.line);
      const solved = this.dfs(child.items);
      this.path.pop();
      if (solved) return true;
    }
    return false;
  }

  bfs(root: Item[]): boolean {
    let frontier = [{ items: root, path: [] as string[] }];
    while (frontier.length > 0) {
      const next: (Child & { path: string[] })[] = [];
      for (const state of frontier) {
        if (this.exhausted) return false;
        this.enter(state.items);
        if (state.items.length === 2) {
          this.path.splice(0, this.path.length, ...state.path);
          if (this.finishPair(state.items)) return true;
          continue;
        }
        for (const child of this.children(state.items).sort(byPromise).slice(0, BEAM)) {
          if (this.exhausted) return false;
          this.enter(state.items);
          this.step(child);
          next.push({ ...child, path: [...state.path, child.line] });
        }
      }
      frontier = next.sort(byPromise).slice(0, BEAM);
    }
    return false;
  }

  /** The answer: the best result found, else all numbers of the root added up. */
  answer(root: Item[]): { item: Item; path: string[] } {
    if (this.best) return { item: this.best.leaf.item, path: this.best.path };
    let acc = root[0]!;
    for (const i of root.slice(1)) acc = { value: acc.value + i.value, expr: op('+', acc.expr, i.expr) };
    return { item: acc, path: [] };
  }
}

function rootOf(problem: Problem): Item[] {
  return problem.numbers.map((value) => ({ value, expr: num(value) }));
}

function complete(lines: string[], answer: Item, target: number): Trace {
  const expression = printExpr(answer.expr);
  const body = [...lines, `${expression}=${answer.value}`].join('\n');
  return { completion: `\n${body}\n</think>\n<answer>${expression}</answer>`, solved: answer.value === target, expression };
}

/**
 * A search written out with its dead ends and backtracking, at most `budget`
 * search nodes (steps and leaves). `mixed` picks DFS or BFS per trace from `rng`; `rng` also
 * breaks ties between equally promising steps, so a seed fixes the trace.
 */
export function searchTrace(problem: Problem, style: TraceStyle, budget: number, rng: RandomGenerator): Trace {
  const root = rootOf(problem);
  if (root.length === 1) return complete([], root[0]!, problem.target);
  const kind = style === 'mixed' ? (unsafeUniformIntDistribution(0, 1, rng) === 0 ? 'dfs' : 'bfs') : style;
  const search = new TraceSearch(problem.target, root, Math.max(1, budget), rng);
  if (kind === 'dfs') search.dfs(root);
  else search.bfs(root);
  return complete(search.lines, search.answer(root).item, problem.target);
}

/** The path to the first solution a full DFS finds, with no dead ends; unsolved, the path to the closest leaf. */
export function solutionTrace(problem: Problem, rng: RandomGenerator): Trace {
  const root = rootOf(problem);
  if (root.length === 1) return complete([], root[0]!, problem.target);
  const search = new TraceSearch(problem.target, root, Infinity, rng);
  search.dfs(root);
  const { item, path } = search.answer(root);
  return complete(path, item, problem.target);
}

/** A trace line that combines two numbers and lists what is left (`9-3=6|2 …`): the written-out search. */
const SEARCH_STEP = /^\d+[-+*/]\d+=\d+\|/m;

/** Whether a completion still writes out a search (at least one step line) rather than jumping to an answer. */
export function hasWrittenSearch(completion: string): boolean {
  return SEARCH_STEP.test(completion);
}
