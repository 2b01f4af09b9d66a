"""``nnsolve gradescope run``: grade the submission in an /autograder folder and write its results.json.

The folder is laid out as Gradescope makes it::

    source/            the autograder zip, unpacked (settings, the course's files)
    submission/        what the student uploaded: one answers file (.yaml or .yml)
    submission_metadata.json
    results/results.json

Whatever goes wrong, a results file is written: a problem the student can fix
(no answers file, two of them, an unreadable one) is said in a failing test;
anything else says that grading failed, and the details go to stdout, which
only the instructor sees.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.gradescope.results import failed_results, graded_results
from solver.files import reading
from solver.files.writing import atomic_file
from solver.graph.errors import InputError

if TYPE_CHECKING:
    from grader.prepare import PreparedHomework

#: The autograder's settings, written by ``nnsolve gradescope build`` into the zip.
SETTINGS = "nnsolve-autograder.json"
SETTINGS_BYTES = 64 * 1024
#: The metadata holds every earlier submission's results: generous, but bounded.
METADATA_BYTES = 64 << 20
ANSWERS_SUFFIXES = (".yaml", ".yml")
#: Files listed when a submission holds no answers file, or several.
LISTED_FILES = 5


class SubmissionProblem(Exception):
    """Why this submission cannot be graded, in words for the student."""


@dataclass(frozen=True)
class Settings:
    homework: Path
    expected_after_due_date: bool


@dataclass(frozen=True)
class Identity:
    student: str
    name: str


@dataclass(frozen=True)
class Outcome:
    """What a run gives: the results to write, a line for the instructor, and the exit status."""

    results: dict[str, Any]
    line: str
    #: 0 graded (a student's unusable file included); 2 the autograder's own input is bad (its settings,
    #: homework or Gradescope's metadata), said in ``line``; 1 grading failed.
    status: int = 0


def run_autograder(root: Path) -> Outcome:
    """The results for the submission under ``root``, whatever happens; never raises."""
    prepared: PreparedHomework | None = None
    try:
        settings = read_settings(root / "source")
        prepared = _prepare(settings.homework)
        return _grade(root, settings, prepared)
    except SubmissionProblem as problem:
        return Outcome(failed_results(str(problem), _max_score(prepared)), f"not graded: {problem}")
    except InputError as error:  # the autograder's setup or Gradescope's metadata, not the student's file
        reason = f"the autograder could not grade this submission: {error.message}"
        return Outcome(failed_results(reason, _max_score(prepared)), str(error), 2)
    except Exception as error:  # whatever it is, the student still gets a results file
        reason = "grading failed inside the autograder; your instructor can see why"
        details = f"grading failed: {type(error).__name__}: {error}\n{traceback.format_exc()}"
        return Outcome(failed_results(reason, _max_score(prepared)), details, 1)


def write_results(root: Path, results: dict[str, Any]) -> Path:
    path = root / "results" / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as out:
        json.dump(results, out, indent=2, ensure_ascii=False)
        out.write("\n")
    return path


def _max_score(prepared: PreparedHomework | None) -> float:
    return prepared.max_score if prepared is not None else 0.0


def _prepare(homework: Path) -> PreparedHomework:
    from grader.homework import load_homework
    from grader.prepare import prepare

    return prepare(load_homework(homework))


def _grade(root: Path, settings: Settings, prepared: PreparedHomework) -> Outcome:
    from grader.answers import read_submission
    from grader.grading import grade_submission

    path = answers_file(root / "submission")
    identity = read_identity(root / "submission_metadata.json")
    submission = read_submission(path)
    note = "" if submission.student == identity.student else f" (the file says {submission.student!r})"
    submission = replace(submission, student=identity.student, name=identity.name or submission.name)
    if submission.problem:
        raise SubmissionProblem(f"your answers file {path.name} cannot be used: {submission.problem}")
    report = grade_submission(prepared, submission)
    results = graded_results(report, prepared.homework.title, settings.expected_after_due_date)
    line = f"graded {identity.student}{note} from {path.name}: {report.score:g} / {report.max_score:g}"
    return Outcome(results, line)


def settings_json(homework: str, expected_after_due_date: bool) -> str:
    """The settings file's text: ``homework`` is its path inside the autograder's source folder."""
    return json.dumps({"homework": homework, "expected_after_due_date": expected_after_due_date}, indent=2) + "\n"


def read_settings(source: Path) -> Settings:
    """The settings ``nnsolve gradescope build`` wrote; the homework must lie inside ``source``."""
    where = str(source / SETTINGS)
    data = _json_object(reading.read_text(source / SETTINGS, "autograder settings file", SETTINGS_BYTES, "JSON"), where)
    homework = data.get("homework")
    if not isinstance(homework, str) or not _is_inner_path(homework):
        raise InputError("homework: expected the homework's path inside the autograder's folder", where=where)
    hide = data.get("expected_after_due_date", False)
    if not isinstance(hide, bool):
        raise InputError("expected_after_due_date: expected true or false", where=where)
    return Settings(source / homework, hide)


def _is_inner_path(text: str) -> bool:
    path = Path(text)
    return bool(text) and not path.is_absolute() and ".." not in path.parts


def _json_object(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise InputError(f"not JSON ({error}); expected a JSON object", where=where) from None
    except RecursionError:  # Python's parser recurses once per level of nesting
        raise InputError("JSON nested too deeply; expected Gradescope's few levels", where=where) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", where=where)
    return data


def answers_file(submission: Path) -> Path:
    """The one answers file the student uploaded (in any folder of the upload)."""
    if not submission.is_dir():
        raise SubmissionProblem("the submission folder is missing; expected your answers file (.yaml) in it")
    files = sorted(p for p in submission.rglob("*") if _is_uploaded_file(p, submission))
    found = [p for p in files if p.suffix.lower() in ANSWERS_SUFFIXES]
    if len(found) == 1:
        return found[0]
    if not found:
        others = f" (found {_listed(files, submission)})" if files else ""
        raise SubmissionProblem(f"no answers file in your submission{others}; expected one .yaml file")
    raise SubmissionProblem(
        f"{len(found)} answers files in your submission ({_listed(found, submission)}); expected exactly one .yaml file"
    )


def _is_uploaded_file(path: Path, submission: Path) -> bool:
    """A regular file the student meant to upload: not a link, not macOS's zip litter (__MACOSX, ._name)."""
    parts = path.relative_to(submission).parts
    hidden = any(part.startswith(".") or part == "__MACOSX" for part in parts)
    return not hidden and not path.is_symlink() and path.is_file()


def _listed(paths: list[Path], submission: Path) -> str:
    names = [str(p.relative_to(submission)) for p in paths[:LISTED_FILES]]
    more = len(paths) - LISTED_FILES
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def read_identity(path: Path) -> Identity:
    """The submitter from Gradescope's metadata: the student id (``sid``), or failing that the email."""
    where = str(path)
    if not path.is_file():
        raise InputError("the submission's metadata (submission_metadata.json) is missing", where=where)
    data = _json_object(reading.read_text(path, "submission metadata file", METADATA_BYTES, "JSON"), where)
    users = data.get("users")
    first = users[0] if isinstance(users, list) and users else None
    if not isinstance(first, dict):
        raise InputError("the submission's metadata names no submitter (users)", where=where)
    student = _identifier(first.get("sid")) or _identifier(first.get("email"))
    if not student:
        raise InputError("the submission's metadata gives the submitter no student id (sid) or email", where=where)
    name = first.get("name")
    return Identity(student, name if isinstance(name, str) and name.isprintable() else "")


def _identifier(value: Any) -> str:
    """A student id or email as text; empty when missing, or not a plain one-line value."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    text = str(value).strip()
    return text if text.isprintable() else ""
