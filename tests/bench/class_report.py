"""Benchmark: the class report of 10,000 mixed submissions of problems/homework1.yaml, beside grading them.

The class is the one ``grade_class.py`` draws (right, rounded, a slip carried
forward, named mistakes, garbage, blanks).  The commands run in a subprocess on
the same files, alternately, ``--runs`` times (the median is printed):

* ``nnsolve grade problems/homework1.yaml DIR --csv F`` (output to a pipe);
* ``nnsolve report problems/homework1.yaml DIR -o report.html`` (and ``-o report.json``).

Printed: each run's wall time, the report's over grade's, and the peak memory of
each, summed over the process and its workers (PSS, as ``grade_class.py`` measures
it).  The report keeps counters and one score per student, not reports: its peak
should stay within a few megabytes of grade's.

Run:  python tests/bench/class_report.py [--students 50000] [--runs 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from grade_class import GRADE, HOMEWORK, run, write_class


def measure(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall seconds and highest peak PSS (MB) of each command, run alternately (load hits all alike)."""
    results: dict[str, list[tuple[float, float, float]]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, command in commands.items():
            results[label].append(run(command))
    return {
        label: (statistics.median(r[0] for r in measured), max(r[1] for r in measured))
        for label, measured in results.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        submissions = Path(work) / "class"
        submissions.mkdir()
        write_class(submissions, options.students)
        base = [sys.executable, "-c", GRADE]
        commands = {
            "grade --csv F": [*base, "grade", str(HOMEWORK), str(submissions), "--csv", str(Path(work) / "g.csv")],
            "report -o F.html": [*base, "report", str(HOMEWORK), str(submissions), "-o", str(Path(work) / "r.html")],
            "report -o F.json": [*base, "report", str(HOMEWORK), str(submissions), "-o", str(Path(work) / "r.json")],
        }
        print(f"{options.students} students, {options.runs} run(s) each")
        measured = measure(commands, options.runs)
        grade_wall = measured["grade --csv F"][0]
        for label, (wall, pss) in measured.items():
            print(f"{label}: {wall:.2f} s ({wall / grade_wall:.2f}x grade), peak memory {pss:.0f} MB (PSS)")
        size = (Path(work) / "r.html").stat().st_size
        print(f"report.html: {size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
