"""``nnsolve solve <seed 004 question 1> --json`` against importing the stack it is built on.

The reference is a fresh Python that only imports SymPy, NumPy, Typer, Rich,
PyYAML and pydantic.  Both run as fresh processes, alternately, in the same
run; the ratio of the median wall times is printed (target: at most 1.3x).

    python tests/bench/solve_mlp.py [--runs 21]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROBLEM = Path(__file__).resolve().parents[2] / "problems" / "tanh_network_2_3_1_question_1.yaml"
REFERENCE = "import sympy, numpy, typer, rich.console, yaml, pydantic"
TARGET = 1.3


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def nnsolve() -> str:
    beside = Path(sys.executable).with_name("nnsolve")
    found = str(beside) if beside.exists() else shutil.which("nnsolve")
    if found is None:
        sys.exit("nnsolve is not installed in this environment")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    solve = [nnsolve(), "solve", str(PROBLEM), "--json"]
    reference = [sys.executable, "-c", REFERENCE]
    for command in (solve, reference):  # warm the file cache once, untimed
        wall_time(command)
    solved, imported = [], []
    for _ in range(runs):
        solved.append(wall_time(solve))
        imported.append(wall_time(reference))
    ratio = statistics.median(solved) / statistics.median(imported)
    print(f"nnsolve solve {PROBLEM.name} --json: median {statistics.median(solved) * 1000:.0f} ms over {runs} runs")
    print(f"python -c '{REFERENCE}': median {statistics.median(imported) * 1000:.0f} ms")
    print(f"ratio: {ratio:.2f}x (target ≤ {TARGET}x)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
