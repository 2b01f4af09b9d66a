"""Benchmark: grade 1,000 synthetic submissions of a 10-step homework.

The homework asks numbers, vectors and matrices (a tanh network of seed 004),
shapes and a feature map (conv), and one symbolic derivation.  Students are
drawn at random: right, rounded to 4 significant figures, a slip carried
forward, a named mistake, a wrong or unreadable value.  Reference solutions,
rounding slack and mistake values are computed once (``prepare``); each
student's files are then read and graded, and a CSV gradebook written.

Run:  python tests/bench/grade.py   (target: at most 5 s wall on a 2-core machine)
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from grader.answers import read_submission, submission_paths  # noqa: E402
from grader.gradebook import gradebook_rows, write_gradebook  # noqa: E402
from grader.grading import grade_all  # noqa: E402
from grader.homework import load_homework  # noqa: E402
from grader.prepare import prepare  # noqa: E402
from grader.rounding import rounded  # noqa: E402
from grader.selftest import reference_answer  # noqa: E402
from solver.graph.values import to_json  # noqa: E402

STUDENTS = 1000

HOMEWORK = """\
title: Benchmark homework
grading: {carry_forward_penalty: 0.2, mistake_credit: 0.25}
problems:
  - id: sizes
    problem: {kind: conv-size, given: {input: 12x12, kernel: 5, stride: 2, padding: 4}}
    ask: {padded: 1, out: 1, output: 2}
  - id: dense
    problem:
      kind: mlp
      given:
        x: [2, 3]
        y: 3
        layers:
          - {weights: [[0, 1, 2], [2, 1, 0], [0, 2, 0]], bias: folded, activation: tanh}
          - {weights: [[0, 1, 2, 2]], bias: folded, activation: linear}
        loss: half_squared
    ask: {z1: 1, y_hat: 1, loss: 1, dL/dW1: 3, dL/dW2: 2}
  - id: map
    problem:
      kind: conv
      given: {image: "1 5 5 5; 1 5 5 5; 1 5 5 5; 1 5 5 5", kernel: "1 -1; 1 -1"}
    ask: {feature_map: 2}
  - id: derive
    derive:
      symbols: [w, b, x, y]
      steps: {L: "1/2*(sigmoid(w*x + b) - y)^2"}
    ask: {L: 2}
"""

EXPRESSIONS = [
    "1/2*(sigmoid(w*x + b) - y)^2",
    "(1/(1 + exp(-(w*x + b))) - y)^2/2",
    "0.5*(sigmoid(b + x*w) - y)^2",
    "(sigmoid(w*x + b) - y)^2",
    "1/2*(y - sigmoid(w*x + b))^2",
    "sigmoid(w*x + b) - y",
    "1/2*(sigmoid(w*x) - y)^2",
    "1/2*(sigmoid(w*x + b) - y",
]


def plain(value):
    """JSON-ready values for YAML (a mistake may leave a fraction inside a size)."""
    return json.loads(json.dumps(to_json(value), default=float))


def rounded_json(value):
    if isinstance(value, float):
        return rounded(value, 4)
    if isinstance(value, list):
        return [rounded_json(v) for v in value]
    return value


def synthetic_answers(prepared, rng: random.Random) -> dict:
    answers: dict[str, dict] = {}
    dense = prepared.homework.problem("dense").solution
    slip = dense.evaluate({"z1": dense["z1"].value + np.array([0.0, 1.0, 0.0])})
    for step in prepared.all_steps():
        draw = rng.random()
        value = reference_answer(step)
        if step.kind == "expression":
            value = rng.choice(EXPRESSIONS)
        elif draw < 0.25:
            value = rounded_json(value)
        elif draw < 0.4 and step.problem.id == "dense":
            value = plain(step.pick(slip))  # carried forward from a slip in z1
        elif draw < 0.55 and step.mistakes:
            value = plain(rng.choice(step.mistakes).value)
        elif draw < 0.62:
            value = rng.choice(["about 3", "[[1, 2], [3]]", 42, "7x", None])
        answers.setdefault(step.problem.id, {})[step.reference] = value
    return answers


def main() -> None:
    rng = random.Random(2024)
    with tempfile.TemporaryDirectory() as work:
        directory = Path(work)
        (directory / "homework.yaml").write_text(HOMEWORK, encoding="utf-8")
        setup = prepare(load_homework(directory / "homework.yaml"))
        submissions = directory / "submissions"
        submissions.mkdir()
        for number in range(STUDENTS):
            data = {"student": f"s{number:04d}", "name": f"Student {number}", "answers": synthetic_answers(setup, rng)}
            (submissions / f"s{number:04d}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")

        start = time.perf_counter()
        prepared = prepare(load_homework(directory / "homework.yaml"))
        prepared_at = time.perf_counter()
        reports = grade_all(prepared, (read_submission(p) for p in submission_paths([submissions])))
        write_gradebook(directory / "grades.csv", gradebook_rows(prepared, reports))
        end = time.perf_counter()

    steps = len(prepared.all_steps())
    statuses: dict[str, int] = {}
    for report in reports:
        for item in report.items:
            statuses[item.status] = statuses.get(item.status, 0) + 1
    print(f"{len(reports)} submissions × {steps} steps graded in {end - start:.2f} s wall")
    print(f"  homework loaded and prepared once: {prepared_at - start:.2f} s")
    print(f"  reading and grading the submissions, writing the CSV: {end - prepared_at:.2f} s")
    print("  statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
