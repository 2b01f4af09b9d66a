"""Start-up cost of a size command against the bare cost of its libraries.

Prints the median wall time of ``nnsolve conv-size 224 -k 11 -s 4 -p 2 --json``
and of ``python -c "import typer, rich.console"``, measured alternately in the
same run, and their ratio (target: at most 1.3).

    python tests/bench/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    beside = Path(sys.executable).with_name("nnsolve")
    nnsolve = str(beside) if beside.exists() else shutil.which("nnsolve")
    if nnsolve is None:
        sys.exit("nnsolve is not installed in this environment")
    command = [nnsolve, "conv-size", "224", "-k", "11", "-s", "4", "-p", "2", "--json"]
    baseline = [sys.executable, "-c", "import typer, rich.console"]
    wall(command), wall(baseline)  # warm the file cache
    times: dict[str, list[float]] = {"command": [], "baseline": []}
    for _ in range(runs):  # alternate, so that machine load hits both alike
        times["command"].append(wall(command))
        times["baseline"].append(wall(baseline))
    command_median = statistics.median(times["command"])
    baseline_median = statistics.median(times["baseline"])
    print(f"nnsolve conv-size 224 -k 11 -s 4 -p 2 --json: {command_median * 1000:.0f} ms (median of {runs})")
    print(f"python -c 'import typer, rich.console':      {baseline_median * 1000:.0f} ms (median of {runs})")
    print(f"ratio: {command_median / baseline_median:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
