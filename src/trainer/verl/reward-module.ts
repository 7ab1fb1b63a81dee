// countdown_reward.py, the reward module of every exported veRL job: Python
// with the same verdicts and scores as src/core/countdown/verifier.ts, checked
// against it on the verdict table and 100,000 fuzzed responses
// (test/unit/verl-python.test.ts). Kept here as text so that every bundle
// carries it; the text is the file, character for character.
export const REWARD_MODULE = String.raw`"""Countdown reward for veRL, written by Reasoning Lab ('rlab export verl').

The same verdicts and scores as Reasoning Lab's strict verifier
(src/core/countdown/verifier.ts; docs/countdown-rules.md): the last complete
<answer>...</answer> pair of the response, non-negative integer literals without
leading zeros, binary + - * / and parentheses, each given number used exactly
once, exact rational arithmetic. No eval. Linear in the response length.

veRL loads it through reward.custom_reward_function.path/name and calls
compute_score(data_source=, solution_str=, ground_truth=, extra_info=) with the
decoded response only; reward_kwargs carry the spec's 'format' and 'correct'.
'python countdown_reward.py' scores JSON lines from stdin
({"response", "numbers", "target"[, "format", "correct"]}), one verdict per line.
"""

import json
import sys
from fractions import Fraction

DATA_SOURCE = "countdown"
FORMAT_SCORE = 0.1
CORRECT_SCORE = 1.0

OPEN = "<answer>"
CLOSE = "</answer>"
OPERATORS = {"+": 1, "-": 1, "*": 2, "/": 2}
# The parser's whitespace: ASCII space, tab, newline, carriage return.
SPACES = frozenset(" \t\n\r")
# What JavaScript's String.prototype.trim removes (WhiteSpace and LineTerminator),
# which differs from str.strip(): str.strip() also removes \x1c-\x1f and \x85.
JS_TRIM = frozenset(
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def extract_answer(response):
    """Text of the last complete <answer>...</answer> pair, pairs matched left to right; None without one."""
    last = None
    start_from = 0
    while True:
        start = response.find(OPEN, start_from)
        if start < 0:
            return last
        end = response.find(CLOSE, start + len(OPEN))
        if end < 0:
            return last
        last = response[start + len(OPEN):end]
        start_from = end + len(CLOSE)


def js_trim(text):
    start, end = 0, len(text)
    while start < end and text[start] in JS_TRIM:
        start += 1
    while end > start and text[end - 1] in JS_TRIM:
        end -= 1
    return text[start:end]


def parse_expression(text):
    """(postfix, literals) of an answer in the strict grammar, or None when it is not one."""
    postfix, literals, stack = [], [], []
    expect_operand = True
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in SPACES:
            i += 1
        elif expect_operand:
            if "0" <= c <= "9":
                j = i + 1
                while j < n and "0" <= text[j] <= "9":
                    j += 1
                if c == "0" and j - i > 1:
                    return None
                postfix.append(text[i:j])
                literals.append(text[i:j])
                expect_operand = False
                i = j
            elif c == "(":
                stack.append(c)
                i += 1
            else:
                return None
        elif c in OPERATORS:
            while stack and stack[-1] != "(" and OPERATORS[stack[-1]] >= OPERATORS[c]:
                postfix.append(stack.pop())
            stack.append(c)
            expect_operand = True
            i += 1
        elif c == ")":
            while stack and stack[-1] != "(":
                postfix.append(stack.pop())
            if not stack:
                return None
            stack.pop()
            i += 1
        else:
            return None
    if not literals or expect_operand or "(" in stack:
        return None
    postfix.extend(reversed(stack))
    return postfix, literals


def same_multiset(literals, numbers):
    """Literals (as written) against the given numbers (as decimal text), before anything is evaluated."""
    return sorted(literals) == sorted(str(int(x)) for x in numbers)


def evaluate(postfix):
    """Exact value, or None when it divides by zero."""
    values = []
    for item in postfix:
        if item in OPERATORS:
            right, left = values.pop(), values.pop()
            if item == "+":
                values.append(left + right)
            elif item == "-":
                values.append(left - right)
            elif item == "*":
                values.append(left * right)
            elif right == 0:
                return None
            else:
                values.append(left / right)
        else:
            values.append(Fraction(int(item)))
    return values[0]


def score_answer(response, numbers, target, format_score=FORMAT_SCORE, correct_score=CORRECT_SCORE):
    """(score, verdict): no-answer, unparsable, wrong-numbers, invalid, wrong-value or correct."""
    answer = extract_answer(response)
    if answer is None:
        return 0.0, "no-answer"
    parsed = parse_expression(js_trim(answer))
    if parsed is None:
        return float(format_score), "unparsable"
    postfix, literals = parsed
    if not same_multiset(literals, numbers):
        return float(format_score), "wrong-numbers"
    value = evaluate(postfix)
    if value is None:
        return float(format_score), "invalid"
    if value != int(target):
        return float(format_score), "wrong-value"
    return float(correct_score), "correct"


def compute_score(data_source, solution_str, ground_truth, extra_info=None, format_score=FORMAT_SCORE, correct_score=CORRECT_SCORE, **kwargs):
    """veRL's custom reward function: the score, and 'acc' (1 for a correct answer) for veRL's validation metrics."""
    if data_source != DATA_SOURCE:
        raise ValueError(f"countdown_reward.py scores data_source {DATA_SOURCE!r} only, not {data_source!r}")
    score, verdict = score_answer(solution_str, ground_truth["numbers"], ground_truth["target"], format_score, correct_score)
    return {"score": score, "acc": 1.0 if verdict == "correct" else 0.0}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        item = json.loads(line)
        score, verdict = score_answer(
            item["response"], item["numbers"], item["target"], item.get("format", FORMAT_SCORE), item.get("correct", CORRECT_SCORE)
        )
        sys.stdout.write(json.dumps({"score": score, "verdict": verdict}) + "\n")


if __name__ == "__main__":
    main()
`;
