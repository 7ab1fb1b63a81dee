"""Peer for `npm run bench:core`: TinyZero's Countdown reward (regex + eval, as in
verl/utils/reward_score/countdown.py) and a plain recursive Fraction solver,
timed in CPU seconds on the inputs bench/core.ts writes. Prints one JSON object."""
import json
import re
import sys
import time
from fractions import Fraction


def extract_solution(solution_str):
    if "Assistant:" in solution_str:
        solution_str = solution_str.split("Assistant:", 1)[1]
    else:
        return None
    solution_str = solution_str.split('\n')[-1]
    matches = list(re.finditer(r'<answer>(.*?)</answer>', solution_str))
    return matches[-1].group(1).strip() if matches else None


def validate_equation(equation_str, available_numbers):
    try:
        return sorted(int(n) for n in re.findall(r'\d+', equation_str)) == sorted(available_numbers)
    except Exception:
        return False


def evaluate_equation(equation_str):
    try:
        if not re.match(r'^[\d+\-*/().\s]+$', equation_str):
            raise ValueError("Invalid characters in equation.")
        return eval(equation_str, {"__builtins__": None}, {})
    except Exception:
        return None


def compute_score(solution_str, numbers, target, format_score=0.1, score=1.0):
    equation = extract_solution(solution_str)
    if equation is None:
        return 0
    if not validate_equation(equation, numbers):
        return format_score
    result = evaluate_equation(equation)
    if result is None:
        return format_score
    return score if abs(result - target) < 1e-5 else format_score


def solvable(values, target):
    if len(values) == 1:
        return values[0] == target
    for i in range(len(values)):
        for j in range(len(values)):
            if i == j:
                continue
            rest = [v for k, v in enumerate(values) if k != i and k != j]
            a, b = values[i], values[j]
            outs = [a + b, a - b, a * b] + ([a / b] if b != 0 else [])
            if any(solvable(rest + [v], target) for v in outs):
                return True
    return False


def main():
    data = json.load(open(sys.argv[1]))
    out = {}
    responses = data["responses"]
    start = time.process_time()
    for r in responses:
        compute_score("Assistant: " + r["response"], r["numbers"], r["target"])
    out["verifierPerSec"] = len(responses) / (time.process_time() - start)
    out["solverPerSec"] = {}
    for count, problems in data["problems"].items():
        start = time.process_time()
        for p in problems:
            solvable([Fraction(n) for n in p["numbers"]], Fraction(p["target"]))
        out["solverPerSec"][count] = len(problems) / (time.process_time() - start)
    print(json.dumps(out))


main()
