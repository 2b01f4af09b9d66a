"""Answers files: a student's id and name, and raw values by problem id and step name.

```yaml
student: s001
name: Ada Lovelace
note: 3f9a-2c1b           # the variant's note, on a random homework's sheet and template
answers:
  q1: {moves_h: 4, output: 5x4}
  q2:
    "z[1]": 0.25          # entries may be given one by one
    W1: "1 0; 0 1"
    L: "1/2*(sigmoid(w*x + b) - y)^2"
```

Answers files are untrusted: they are read by ``solver.files.yaml_io`` (safe YAML,
at most 128 KiB read, bounded nesting and alias expansion) and nothing in
them is ever run.  A file that cannot be read still yields a
``Submission``, with its ``problem`` set, so that a batch always finishes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.files.yaml_io import parse_yaml, read_text
from solver.graph.errors import InputError

#: Longest student id or name kept (the rest is cut).
MAX_NAME = 80
#: The student id of an answers template nobody filled in (``grader.sheet.answers_template``).
TEMPLATE_ID = "your-id"
#: Largest answers file read.  A real one is a few KB (a 100×100 matrix is about 50 KB); the
#: general 1 MiB bound of ``solver.files.yaml_io`` would let a hostile file cost seconds to parse.
MAX_ANSWER_BYTES = 128 * 1024


@dataclass
class Submission:
    """One student's answers as read; ``problem`` says why the file could not be used."""

    student: str
    name: str
    source: str
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    problem: str | None = None
    #: The variant's note the file carries (a random homework's), if any.
    note: str | None = None


def read_submission(path: Path) -> Submission:
    """The submission in ``path``; never raises for a bad file (its ``problem`` says why)."""
    fallback = path.stem[:MAX_NAME]
    try:
        text = read_text(path, "answers file", MAX_ANSWER_BYTES)
        # A student's .nan or 5,000-digit number makes that answer invalid, not the whole file.
        data, _ = parse_yaml(text, str(path), lenient_numbers=True, lines=False)
    except InputError as error:
        return Submission(fallback, "", str(path), problem=str(error))
    return submission_from_data(data, str(path), fallback)


def submission_from_data(data: Any, source: str, fallback: str) -> Submission:
    if not isinstance(data, dict):
        kind = "an empty file" if data is None else f"a {type(data).__name__}"
        return Submission(fallback, "", source, problem=f"found {kind}; expected a mapping with student and answers")
    unknown = sorted(str(k) for k in data if k not in ("student", "name", "note", "answers"))
    student = _text(data.get("student")) or fallback
    name = _text(data.get("name"))
    if unknown:
        return Submission(
            student, name, source, problem=f"unknown fields {unknown}; expected student, name, note, answers"
        )
    answers = data.get("answers")
    if not isinstance(answers, dict):
        return Submission(student, name, source, problem="answers: expected a mapping of problem id -> steps")
    note = _text(data.get("note")) or None
    by_problem: dict[str, dict[str, Any]] = {}
    for problem_id, steps in answers.items():
        if not isinstance(steps, dict):
            return Submission(
                student, name, source, problem=f"answers.{problem_id}: expected a mapping of step -> value"
            )
        by_problem[str(problem_id)] = {str(step): value for step, value in steps.items()}
    if student == TEMPLATE_ID:
        # Under the template's id every unnamed file would be the same student: use the file's name.
        problem = None if _has_an_answer(by_problem) else "the answers template, untouched: no id and no answer"
        return Submission(fallback, name, source, by_problem, problem, note)
    return Submission(student, name, source, by_problem, note=note)


def _has_an_answer(answers: dict[str, dict[str, Any]]) -> bool:
    return any(value is not None and str(value).strip() for steps in answers.values() for value in steps.values())


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return "".join(c for c in str(value) if c.isprintable())[:MAX_NAME]


def submission_paths(arguments: list[Path]) -> list[Path]:
    """Answers files named directly, and the .yaml/.yml files of named directories (sorted).

    A path that does not exist is a mistake on the command line, not a student: it is refused
    before anything is graded or written.
    """
    paths: list[Path] = []
    for argument in arguments:
        if not argument.exists():
            raise InputError(
                "no such file or directory; expected answers files or directories of them", where=str(argument)
            )
        if argument.is_dir():
            paths += sorted(p for p in argument.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            paths.append(argument)
    return paths
