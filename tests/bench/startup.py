"""Start-up cost of a size command against the bare cost of its libraries.

Prints the median wall time of ``nnsolve conv-size 224 -k 11 -s 4 -p 2 --json``
and of ``python -c "import typer, rich.console"``, measured alternately in the
same run, and their ratio (target: at most 1.3).

    python tests/bench/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import sys

from bench_common import median_times, nnsolve_command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    command = [*nnsolve_command(), "conv-size", "224", "-k", "11", "-s", "4", "-p", "2", "--json"]
    baseline = [sys.executable, "-c", "import typer, rich.console"]
    medians = median_times({"command": (command, None), "baseline": (baseline, None)}, runs)
    print(f"nnsolve conv-size 224 -k 11 -s 4 -p 2 --json: {medians['command'] * 1000:.0f} ms (median of {runs})")
    print(f"python -c 'import typer, rich.console':      {medians['baseline'] * 1000:.0f} ms (median of {runs})")
    print(f"ratio: {medians['command'] / medians['baseline']:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
