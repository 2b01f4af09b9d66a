"""What the benchmarks share: how to run nnsolve, and timing fresh processes side by side."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The command line from this source tree, for an environment where the project is not installed.
FROM_SOURCE = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from solver.cli import run; run()"


def nnsolve_command() -> list[str]:
    """The installed ``nnsolve`` (beside this Python, or on PATH), else this source tree's."""
    beside = Path(sys.executable).with_name("nnsolve")
    installed = str(beside) if beside.exists() else shutil.which("nnsolve")
    return [installed] if installed else [sys.executable, "-c", FROM_SOURCE]


def wall_time(command: list[str], output: Path | None = None, folder: Path | None = None) -> float:
    """Seconds to run ``command`` (in ``folder``) to the end, its standard output written to ``output`` or dropped."""
    start = time.perf_counter()
    if output is None:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=folder)
    else:
        with output.open("w") as sink:
            subprocess.run(command, check=True, stdout=sink, cwd=folder)
    return time.perf_counter() - start


def median_times(
    commands: dict[str, tuple[list[str], Path | None]], runs: int, folder: Path | None = None
) -> dict[str, float]:
    """Median wall time of each command, run alternately (machine load hits all alike) after one warm-up."""
    for command, output in commands.values():
        wall_time(command, output, folder)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, output) in commands.items():
            times[name].append(wall_time(command, output, folder))
    return {name: statistics.median(values) for name, values in times.items()}
