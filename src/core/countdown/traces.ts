// Search traces for pretraining a base model from scratch, in the spirit of
// Stream of Search, in a compact line format a small character-level model can
// learn to copy (format: docs/countdown-rules.md, "Search traces").
//
//   44+35=79|19 79      an operation on two numbers left, then the numbers left after it
//   19+79=98 ok         the last two numbers: the operation closest to the target, ok or no
//   @44 19 35           back to a state (after a dead end, or the next state of a BFS level)
//   44+35+19=98         last line: the answer, which the <answer> tag copies
//
// Operations are those of Stream of Search: a+b, a*b, larger-smaller, and
// larger/smaller only when exact, so every number written is a non-negative
// integer. A trace that finds no solution within its budget ends with its best
// wrong answer (the leaf closest to the target).
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

interface Item {
  value: number;
  expr: Expr;
}

interface Child {
  line: string;
  items: Item[];
  rank: number;
  /** Distance of the new number to the target: the second key. */
  near: number;
  tie: number;
}

interface Leaf {
  line: string;
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

/** The results of one step on a pair, larger operand first for - and /. */
function stepsOf(a: Item, b: Item): { line: string; item: Item }[] {
  const [hi, lo] = a.value >= b.value ? [a, b] : [b, a];
  const out: { line: string; item: Item }[] = [];
  const add = (o: Operator, x: Item, y: Item, value: number): void => {
    if (Number.isSafeInteger(value)) out.push({ line: `${x.value}${o}${y.value}=${value}`, item: { value, expr: op(o, x.expr, y.expr) } });
  };
  add('+', a, b, a.value + b.value);
  add('*', a, b, a.value * b.value);
  add('-', hi, lo, hi.value - lo.value);
  if (lo.value !== 0 && hi.value % lo.value === 0) add('/', hi, lo, hi.value / lo.value);
  return out;
}

class TraceSearch {
  readonly lines: string[] = [];
  /** Nodes written (steps and leaves); `@` lines do not count. */
  private nodes = 0;
  private current: string;
  private best: { leaf: Leaf; path: string[] } | null = null;
  private readonly path: string[] = [];

  constructor(
    private readonly target: number,
    root: Item[],
    private readonly budget: number,
    private readonly rng: RandomGenerator,
  ) {
    this.current = listOf(root);
  }

  private heuristic(items: Item[]): number {
    let h = Infinity;
    for (const i of items) h = Math.min(h, Math.abs(i.value - this.target));
    return h;
  }

  /** Children of a state of three or more numbers, the most promising first (ties in random order). */
  children(items: Item[]): Child[] {
    const out: Child[] = [];
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const rest = items.filter((_, k) => k !== i && k !== j);
        for (const s of stepsOf(items[i], items[j])) {
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
    return out.sort(byPromise);
  }

  /** The step on the last two numbers closest to the target. */
  leaf(items: Item[]): Leaf {
    let best: Leaf | null = null;
    for (const s of stepsOf(items[0], items[1])) {
      const distance = Math.abs(s.item.value - this.target);
      if (best === null || distance < best.distance) best = { line: s.line, item: s.item, distance };
    }
    return best!;
  }

  get exhausted(): boolean {
    return this.nodes >= this.budget;
  }

  /** Moves to a state, writing `@state` unless the previous line ended in it. */
  enter(items: Item[]): void {
    const list = listOf(items);
    if (list !== this.current) this.write(`@${list}`);
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

  /** Writes the leaf of a two-number state; true when it hits the target. */
  finishPair(items: Item[]): boolean {
    const leaf = this.leaf(items);
    const hit = leaf.distance === 0;
    this.nodes++;
    this.write(`${leaf.line} ${hit ? 'ok' : 'no'}`);
    this.current = '';
    if (this.best === null || leaf.distance < this.best.leaf.distance) this.best = { leaf, path: [...this.path] };
    return hit;
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
        for (const child of this.children(state.items).slice(0, BEAM)) {
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

  /** The answer: the best leaf found, else all numbers of the root added up. */
  answer(root: Item[]): { item: Item; path: string[] } {
    if (this.best) return { item: this.best.leaf.item, path: [...this.best.path, `${this.best.leaf.line} ${this.best.leaf.distance === 0 ? 'ok' : 'no'}`] };
    let acc = root[0];
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
  if (root.length === 1) return complete([], root[0], problem.target);
  const kind = style === 'mixed' ? (unsafeUniformIntDistribution(0, 1, rng) === 0 ? 'dfs' : 'bfs') : style;
  const search = new TraceSearch(problem.target, root, Math.max(1, budget), rng);
  if (kind === 'dfs') search.dfs(root);
  else search.bfs(root);
  return complete(search.lines, search.answer(root).item, problem.target);
}

/** The path to the first solution a full DFS finds, with no dead ends; unsolved, the path to the closest leaf. */
export function solutionTrace(problem: Problem, rng: RandomGenerator): Trace {
  const root = rootOf(problem);
  if (root.length === 1) return complete([], root[0], problem.target);
  const search = new TraceSearch(problem.target, root, Infinity, rng);
  search.dfs(root);
  const { item, path } = search.answer(root);
  return complete(path, item, problem.target);
}
