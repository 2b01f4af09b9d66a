"""Solution sheets of ``problems/homework1.yaml``: the HTML key against ``--json``, the PDF key against the HTML.

All three run as fresh processes, alternately, in the same run, each writing
its file into a temporary folder; the ratios of the median wall times are
printed (targets: the HTML key at most 1.5x ``solve --json``, the PDF at most
2x the HTML).  The PDF needs the ``pdf`` extra.

    python tests/bench/sheets.py [--runs 11]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_common import median_times, nnsolve_command

HOMEWORK = Path(__file__).resolve().parents[2] / "problems" / "homework1.yaml"
TARGETS = {"html": ("json", 1.5), "pdf": ("html", 2.0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    runs = parser.parse_args().runs
    solve = [*nnsolve_command(), "solve", str(HOMEWORK)]
    with tempfile.TemporaryDirectory() as folder:
        commands = {
            "json": ([*solve, "--json"], Path(folder) / "key.json"),
            "html": ([*solve, "-o", "key.html"], None),
            "pdf": ([*solve, "-o", "key.pdf"], None),
        }
        medians = median_times(commands, runs, folder=Path(folder))
    for name, seconds in medians.items():
        print(f"{name:>4} key of {HOMEWORK.name}: median {seconds * 1000:.0f} ms over {runs} runs")
    met = True
    for name, (reference, target) in TARGETS.items():
        ratio = medians[name] / medians[reference]
        met &= ratio <= target
        print(f"{name} / {reference}: {ratio:.2f}x (target ≤ {target}x)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
