"""``nnsolve solve <seed 004 question 1> --json`` against importing the stack it is built on.

The reference is a fresh Python that only imports SymPy, NumPy, Typer, Rich,
PyYAML and pydantic.  Both run as fresh processes, alternately, in the same
run; the ratio of the median wall times is printed (target: at most 1.3x).

    python tests/bench/solve_mlp.py [--runs 21]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench_common import median_times, nnsolve_command

PROBLEM = Path(__file__).resolve().parents[2] / "problems" / "tanh_network_2_3_1_question_1.yaml"
REFERENCE = "import sympy, numpy, typer, rich.console, yaml, pydantic"
TARGET = 1.3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    solve = [*nnsolve_command(), "solve", str(PROBLEM), "--json"]
    medians = median_times({"solve": (solve, None), "import": ([sys.executable, "-c", REFERENCE], None)}, runs)
    ratio = medians["solve"] / medians["import"]
    print(f"nnsolve solve {PROBLEM.name} --json: median {medians['solve'] * 1000:.0f} ms over {runs} runs")
    print(f"python -c '{REFERENCE}': median {medians['import'] * 1000:.0f} ms")
    print(f"ratio: {ratio:.2f}x (target ≤ {TARGET}x)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
