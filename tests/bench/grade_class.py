"""Benchmark: grade a class of 10,000 mixed submissions of problems/homework1.yaml, as a TA would.

Students are drawn at random: right, rounded to 4 significant figures, a slip in
q7's z1 carried forward, a named mistake, garbage, blanks.  The files are
written to a temporary folder; then

* the floor: a fresh process that only loads the same files with PyYAML's C loader;
* the run: ``nnsolve grade problems/homework1.yaml DIR --csv F`` in a subprocess, its
  output to a pipe (the default output: one line per student).

Printed: both wall times, their ratio (target at most 3x), and the peak memory of the
run, summed over the process and its worker processes (proportional set size, so that
pages the workers share with the parent are counted once; the plain sum of resident
sizes is printed too).  Target: under 300 MB.

Run:  python tests/bench/grade_class.py [--students 50000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from grader.homework import load_homework  # noqa: E402
from grader.prepare import PreparedStep, prepare  # noqa: E402
from grader.rounding import rounded  # noqa: E402
from grader.selftest import reference_answer  # noqa: E402
from solver.graph.values import to_json  # noqa: E402

HOMEWORK = ROOT / "problems" / "homework1.yaml"
GARBAGE = ["about 3", "[[1, 2], [3]]", "7x", "1/0", "sigmoid(", "[/]", "nan"]
EXPRESSIONS = [
    "1/2*(sigmoid(w*x + b) - y)^2",
    "(sigmoid(w*x + b) - y)^2",
    "(sigmoid(w*x + b) - y)",
    "(sigmoid(w*x + b) - y)*sigmoid(w*x + b)*(1 - sigmoid(w*x + b))",
    "1/2*(sigmoid(w*x + b) - y",
]
FLOOR = """
import sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).iterdir()):
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
"""
GRADE = "import sys; from solver.cli import main; sys.exit(main(sys.argv[1:]))"


def plain(value: object) -> object:
    """JSON-ready values for YAML."""
    return json.loads(json.dumps(to_json(value), default=float))


def rounded_json(value: object) -> object:
    if isinstance(value, float):
        return rounded(value, 4)
    if isinstance(value, list):
        return [rounded_json(v) for v in value]
    return value


def answer(step: PreparedStep, slip: dict, rng: random.Random) -> object:
    draw = rng.random()
    right = reference_answer(step)
    if step.kind == "expression":
        return rng.choice(EXPRESSIONS)
    if draw < 0.35:
        return right
    if draw < 0.55:
        return rounded_json(right)
    if draw < 0.65 and step.problem.id == "q7":
        return plain(step.pick(slip))
    if draw < 0.8 and step.mistakes:
        return plain(rng.choice(step.mistakes).value)
    if draw < 0.9:
        return rng.choice(GARBAGE)
    return None  # left blank


def write_class(directory: Path, students: int) -> None:
    prepared = prepare(load_homework(HOMEWORK))
    network = prepared.homework.problem("q7").solution
    slip = network.evaluate({"z1": network["z1"].value + np.array([0.0, 1.0, 0.0])})
    rng = random.Random(2024)
    for number in range(students):
        answers: dict[str, dict[str, object]] = {}
        for step in prepared.all_steps():
            answers.setdefault(step.problem.id, {})[step.reference] = answer(step, slip, rng)
        data = {"student": f"s{number:05d}", "name": f"Student {number}", "answers": answers}
        text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=None)
        (directory / f"s{number:05d}.yaml").write_text(text, encoding="utf-8")


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def memory_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds and peak MB (PSS and RSS summed over the process tree) of ``command``."""
    peaks = {"Pss": 0, "Rss": 0}
    start = time.perf_counter()
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=environment)
    output: list[bytes] = []
    reader = threading.Thread(target=lambda: output.append(process.stdout.read()))
    reader.start()
    while process.poll() is None:
        pids = tree(process.pid)
        for field in peaks:
            peaks[field] = max(peaks[field], sum(memory_kb(p, field) for p in pids))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    reader.join()
    if process.returncode != 0:
        raise SystemExit(f"{command[3:]} failed ({process.returncode}): {process.stderr.read().decode()[:500]}")
    return wall, peaks["Pss"] / 1024, peaks["Rss"] / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="also measure the run with --json")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        submissions = Path(work) / "class"
        submissions.mkdir()
        write_class(submissions, options.students)
        floor, _, _ = run([sys.executable, "-c", FLOOR, str(submissions)])
        print(f"{options.students} students; floor (PyYAML C loader, one process): {floor:.2f} s")
        variants = [["--csv", str(Path(work) / "grades.csv")]] + ([["--json"]] if options.json else [])
        for extra in variants:
            command = [sys.executable, "-c", GRADE, "grade", str(HOMEWORK), str(submissions), *extra]
            wall, pss, rss = run(command)
            label = "grade --csv F" if extra[0] == "--csv" else "grade --json"
            print(
                f"{label}: {wall:.2f} s ({wall / floor:.2f}x the floor; target 3x), "
                f"peak memory {pss:.0f} MB (PSS, workers included; RSS sum {rss:.0f} MB; target 300 MB)"
            )


if __name__ == "__main__":
    main()
