"""``nnsolve gradescope build``: the autograder zip for a homework.

The zip holds, at its root::

    setup.sh                    installs the nnsolve wheel below with pip (and its dependencies)
    run_autograder              runs ``nnsolve gradescope run`` on each submission
    nnsolve-<version>-*.whl     nnsolve itself, built from this checkout (or the wheel given)
    nnsolve-autograder.json     the settings ``run`` reads: the homework's path, whether expected
                                values wait for the due date
    course/                     the homework and every file it reads (problem and matrix files),
                                at the same paths relative to the homework as on disk

Which files go in is what loading the homework actually opens, nothing more; and
every one must lie in the homework's folder or below it: a path that is absolute,
climbs out with ``..`` or is a link leading out of the folder is refused, so that
no file beyond the course's own ends up in a zip handed to Gradescope.  Paths are
kept, not rewritten, so they resolve in ``course/`` as they did on disk.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.gradescope.run import SETTINGS, settings_json
from solver.files.reading import recording_reads
from solver.files.writing import atomic_file
from solver.graph.errors import InputError

#: Where the course's files go inside the zip.
COURSE = "course"
#: Every entry gets this date, so that the same homework and wheel give the same zip.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
EXECUTABLE = 0o755
READABLE = 0o644

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (with network access).
set -euo pipefail
cd "$(dirname "$0")"
if ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3-pip
fi
# Newer Ubuntu images mark the system Python as externally managed; this image is the autograder's alone.
PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --no-cache-dir "./{wheel}"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this once per submission, from its copy at /autograder/run_autograder: the folder
# holding it is the autograder's root. It always writes results/results.json, and exits 0: nnsolve
# writes the results whatever goes wrong (its exit status and output are for the instructor), and
# should nnsolve itself not run, a failing result says so.
root="$(cd "$(dirname "$0")" && pwd)"
rm -f "$root/results/results.json"
nnsolve gradescope run --root "$root" || echo "nnsolve gradescope run exited with status $?"
if [ ! -s "$root/results/results.json" ]; then
  mkdir -p "$root/results"
  cat > "$root/results/results.json" <<'RESULTS'
{"score": 0.0, "stdout_visibility": "hidden",
 "output": "Your submission could not be graded: the autograder did not run; your instructor can see why.",
 "tests": [{"name": "Grading failed", "score": 0.0, "max_score": 0.0, "status": "failed",
            "output": "the autograder did not run; your instructor can see why", "visibility": "visible"}]}
RESULTS
fi
exit 0
"""


@dataclass(frozen=True)
class Autograder:
    """What went into a zip, for the instructor's summary."""

    homework: str
    course_files: list[str]
    wheel: str


def build_autograder(homework: Path, out: Path, wheel: Path | None, expected_after_due_date: bool) -> Autograder:
    """Write the autograder zip for ``homework`` to ``out``; ``wheel`` is built from this checkout unless given."""
    if not out.parent.is_dir() or out.is_dir():
        found = "a folder" if out.is_dir() else "no such folder"
        raise InputError(f"{found}; expected -o to name a .zip file in an existing folder", where=str(out))
    files = course_files(homework)
    in_zip = f"{COURSE}/{homework.name}"
    with tempfile.TemporaryDirectory(prefix="nnsolve-wheel-") as scratch:
        wheel = checked_wheel(wheel) if wheel is not None else build_wheel(Path(scratch))
        with atomic_file(out, "wb") as stream, zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            _add(archive, "setup.sh", SETUP_SH.format(wheel=wheel.name).encode(), EXECUTABLE)
            _add(archive, "run_autograder", RUN_AUTOGRADER.encode(), EXECUTABLE)
            _add(archive, SETTINGS, settings_json(in_zip, expected_after_due_date).encode(), READABLE)
            _add(archive, wheel.name, wheel.read_bytes(), READABLE)
            for name, path in files.items():
                _add(archive, name, path.read_bytes(), READABLE)
    return Autograder(homework.name, [name for name in files if name != in_zip], wheel.name)


def _add(archive: zipfile.ZipFile, name: str, content: bytes, mode: int) -> None:
    entry = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    entry.external_attr = mode << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(entry, content)


def course_files(homework: Path) -> dict[str, Path]:
    """Name in the zip -> file, for the homework and every file loading it opens (all inside its folder)."""
    from grader.homework import load_homework

    with recording_reads() as opened:
        load_homework(homework)
    folder = homework.parent
    files: dict[str, Path] = {}
    for path in opened:
        files.setdefault(f"{COURSE}/{_inside(path, folder)}", path)
    return files


def _inside(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` as a zip name; refused unless in the folder, as written and as linked."""
    written = path.parts[len(folder.parts) :] if path.parts[: len(folder.parts)] == folder.parts else None
    if written is None or ".." in written or not path.resolve().is_relative_to(folder.resolve()):
        raise InputError(
            f"the homework reads {path}, outside its folder {folder.resolve()}; expected every problem and "
            "matrix file in the homework's folder or below (copy it there), so that the zip holds only the course"
        )
    return "/".join(written)


def checked_wheel(wheel: Path) -> Path:
    if not (wheel.is_file() and wheel.name.startswith("nnsolve-") and wheel.suffix == ".whl"):
        raise InputError("expected nnsolve's wheel file (nnsolve-<version>-*.whl)", where=str(wheel))
    return wheel


def source_checkout() -> Path:
    """The folder holding nnsolve's pyproject.toml and packages: the checkout this nnsolve runs from."""
    import solver

    root = Path(solver.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise InputError(
            f"nnsolve runs from {root}, not from a source checkout with pyproject.toml; "
            "expected --wheel FILE (a wheel of nnsolve) or nnsolve run from its checkout"
        )
    return root


def build_wheel(scratch: Path) -> Path:
    """A wheel of nnsolve built by pip from a copy of the checkout (the build leaves the checkout untouched).

    pip builds it with the backend pyproject.toml declares (setuptools), which it installs in an
    isolated environment first: from the package index, or whatever pip is configured to use.
    """
    root = source_checkout()
    copy = scratch / "source"
    copy.mkdir()
    for path in root.iterdir():
        if path.is_file() and (path.name in ("pyproject.toml", "README.md") or path.name.startswith("LICENSE")):
            shutil.copy2(path, copy / path.name)
        elif path.is_dir() and (path / "__init__.py").is_file():
            shutil.copytree(path, copy / path.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(scratch), str(copy)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(scratch.glob("nnsolve-*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        raise InputError(
            f"pip could not build nnsolve's wheel from {root} (exit status {done.returncode}); expected pip able to "
            "install setuptools (run 'pip wheel --no-deps .' there to see why), or --wheel FILE"
        )
    return wheels[0]
