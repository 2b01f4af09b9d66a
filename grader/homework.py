"""Homework files: problems (by file or inline), asked steps with points, grading settings.

```yaml
title: Homework 1
grading: {rtol: 0.001, carry_forward_penalty: 0.2, mistake_credit: 0.25}
problems:
  - id: q1
    file: conv_size_004_4_2b.yaml        # relative to the homework file
    ask: {moves_h: 1, output: 2}
  - id: q2
    problem: {kind: pool-size, given: {input: 12x12x16, window: 2}}
    grading: {carry_forward: false}
    ask:
      output: {points: 2, hints: [{answer: 11x11x16, message: "...", score: 0.25}]}
  - id: q3                               # a derivation (kind derive): the answer is an expression
    derive:
      symbols: [w, b, x, y]
      steps: {L: "1/2*(sigmoid(w*x + b) - y)^2"}
    ask: {L: 3}
```

Settings apply at homework, problem and step level, the nearest winning.
A problem with ``random:`` (``solver.files.randomize``) gives each student a
variant of their own (``grader.variants``), seeded with the homework's ``salt:``,
a secret to keep out of everything students see.
A problem file may carry ``hints`` too (step -> list of hints), as the
homework's ask entries may.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field

from solver.files.problem_file import Problem, check_asked, load_problem, problem_from_data, validate
from solver.files.yaml_io import Lines, line_of, parse_yaml, read_text
from solver.graph.errors import InputError
from solver.graph.steps import Solution
from solver.kinds.derive import derivation

CONFIG: dict[str, Any] = {"extra": "forbid", "use_attribute_docstrings": True, "allow_inf_nan": False}

#: Numbers with a range: tolerances and points are never negative, fractions lie in [0, 1].
NonNegative = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]


@dataclass
class Grading:
    """Grading settings; unset fields inherit from the enclosing level."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    rtol: NonNegative | None = None
    """Relative tolerance for numbers (default 0.001)."""
    atol: NonNegative | None = None
    """Absolute tolerance for numbers (default 1e-9)."""
    sigfigs: Annotated[int, Field(ge=1)] | None = None
    """Grade to this many significant figures (±0.51 of the last digit) instead of rtol/atol."""
    decimals: Count | None = None
    """Grade to this many decimal places instead of rtol/atol."""
    carry_forward: bool | None = None
    """Credit a step that is right for the student's own earlier answers (default on)."""
    carry_forward_penalty: Fraction | None = None
    """Fraction of the points withheld for carried-forward credit (default 0)."""
    mistake_credit: Fraction | None = None
    """Fraction of the points given for a recognised classic mistake (default 0)."""
    round_intermediates: Count | None = None
    """Significant figures a student may round intermediate values to (default 4; 0 for none)."""

    def under(self, outer: Grading) -> Grading:
        """These settings, with unset fields taken from ``outer``."""
        return Grading(**{f.name: _first(getattr(self, f.name), getattr(outer, f.name)) for f in fields(self)})


def _first(inner: Any, outer: Any) -> Any:
    return outer if inner is None else inner


DEFAULTS = Grading(
    rtol=1e-3,
    atol=1e-9,
    carry_forward=True,
    carry_forward_penalty=0.0,
    mistake_credit=0.0,
    round_intermediates=4,
)


@dataclass
class Hint:
    """A specific wrong answer the author foresees, with its message and credit (WeBWorK's AnswerHints)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    answer: Any
    """The wrong answer, written as a student would write it."""
    message: str
    """What to tell a student who gives it."""
    score: Fraction = 0.0
    """Fraction of the points it earns."""


@dataclass
class Ask(Grading):
    """One asked step of a problem: its points, its hints, and settings for it alone."""

    points: NonNegative = 1.0
    """Points for the step."""
    hints: list[Hint] = field(default_factory=list)
    """Author hints for foreseen wrong answers."""

    def grading(self) -> Grading:
        return Grading(**{f.name: getattr(self, f.name) for f in fields(Grading)})


@dataclass
class Derivation(derivation.Given):
    """A derivation (kind ``derive``): each step's answer is an expression in the declared symbols."""

    title: str | None = None
    """What is asked, e.g. 'Derive L in terms of w, b, x and y'."""


@dataclass
class HomeworkProblem:
    """One problem of a homework: a problem file, an inline problem or a derivation."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    id: str
    """The problem's id in answers files, e.g. q1."""
    ask: Annotated[dict[str, NonNegative | Ask], Field(min_length=1)]
    """Asked steps (or entries such as 'W1[1,2]') -> points, or their settings."""
    file: str | None = None
    """A problem file, relative to the homework file."""
    problem: dict[str, Any] | None = None
    """An inline problem (kind, title, given, ...)."""
    derive: Derivation | None = None
    """A derivation whose answers are expressions (a problem of kind ``derive``)."""
    title: str | None = None
    """A title for this problem in reports (default: the problem's)."""
    grading: Grading = field(default_factory=Grading)
    """Settings for this problem's steps."""


@dataclass
class HomeworkFile:
    """The whole homework file."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    title: str
    """The homework's title."""
    problems: Annotated[list[HomeworkProblem], Field(min_length=1)]
    """The problems, in order."""
    grading: Grading = field(default_factory=Grading)
    """Settings for every problem."""
    salt: str | None = None
    """A secret mixed into every student's variant of the random problems: keep it out of what students see."""


@dataclass
class AskedStep:
    """An asked step with everything resolved: points, settings, hints."""

    reference: str
    points: float
    grading: Grading
    hints: list[Hint]


@dataclass
class LoadedProblem:
    id: str
    title: str
    solution: Solution
    asked: list[AskedStep]
    #: The problem as written, when it draws its given data for each student (``random:``).
    random: Problem | None = None


@dataclass
class Homework:
    title: str
    path: Path
    problems: list[LoadedProblem]
    salt: str | None = None

    def problem(self, problem_id: str) -> LoadedProblem | None:
        return next((p for p in self.problems if p.id == problem_id), None)

    @property
    def is_random(self) -> bool:
        """Whether each student gets a variant of their own (some problem has ``random:``)."""
        return any(p.random is not None for p in self.problems)

    def fixed(self) -> Homework:
        """The homework with the file's own data for every student (its random problems drawn no more)."""
        return replace(self, problems=[replace(p, random=None) for p in self.problems])


def is_homework_data(data: Any) -> bool:
    """A homework file has a top-level ``problems:`` list (a problem file has ``kind:``)."""
    return isinstance(data, dict) and "problems" in data and "kind" not in data


def load_homework(path: Path) -> Homework:
    """The homework in the file at ``path``."""
    data, lines = parse_yaml(read_text(path, "homework file"), str(path))
    return homework_from_data(data, lines, path)


def homework_from_data(data: Any, lines: Lines, path: Path) -> Homework:
    """The homework in already-parsed YAML read from ``path`` (its problem files are relative to it)."""
    where = str(path)
    if not is_homework_data(data):
        raise InputError("expected a homework file with title and problems", where=where)
    model: HomeworkFile = validate(HomeworkFile, data, lines, where, ())
    seen: set[str] = set()
    loaded = []
    for index, item in enumerate(model.problems):
        if item.id in seen:
            raise InputError(f"problem id {item.id!r} is used twice; expected unique ids", where=where)
        seen.add(item.id)
        loaded.append(_load_one(item, index, model.grading.under(DEFAULTS), path, lines))
    return Homework(model.title, path, loaded, model.salt)


def _load_one(item: HomeworkProblem, index: int, outer: Grading, path: Path, lines: Lines) -> LoadedProblem:
    where = f"{path}: problems.{index} ({item.id})"
    sources = [s for s in (item.file, item.problem, item.derive) if s is not None]
    if len(sources) != 1:
        raise InputError("expected exactly one of file, problem or derive", where=where)
    if item.file is not None:
        # Relative to the homework file (an absolute path stays as it is).
        problem = load_problem(path.parent / item.file)
    elif item.problem is not None:
        problem = problem_from_data(item.problem, lines, str(path), path.parent, at=("problems", index, "problem"))
    else:
        problem = _derivation_problem(item.derive, item.id, index, path, lines)
    solution = problem.solve()
    title = item.title or solution.title
    file_hints = {
        step: [
            validate(Hint, h, problem.lines, problem.where, (*problem.at, "hints", step, i))
            for i, h in enumerate(hints)
        ]
        for step, hints in problem.envelope.hints.items()
    }
    grading = item.grading.under(outer)
    asked = []
    for reference, spec in item.ask.items():
        spec = spec if isinstance(spec, Ask) else Ask(points=float(spec))
        line = line_of(lines, ("problems", index, "ask", reference))
        check_asked(solution, reference, f"{path}:{line}: problems.{index}.ask.{reference}")
        hints = [*file_hints.get(reference, []), *spec.hints]
        asked.append(AskedStep(reference, spec.points, spec.grading().under(grading), hints))
    solution.asked = tuple(item.ask)  # what this homework asks of the problem, not what its file does
    return LoadedProblem(item.id, title, solution, asked, problem if problem.envelope.random else None)


def _derivation_problem(derive: Derivation, problem_id: str, index: int, path: Path, lines: Lines) -> Problem:
    """A homework's ``derive:`` entry as the problem of kind ``derive`` that it stands for."""
    data = {
        "kind": derivation.KIND,
        "title": derive.title or f"Derivation {problem_id}",
        "given": {"symbols": derive.symbols, "steps": derive.steps},
    }
    return problem_from_data(data, lines, str(path), path.parent, given_at=("problems", index, "derive"))
