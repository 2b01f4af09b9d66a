"""Problem files: load, validate and solve them.

A problem file is YAML with ``kind``, ``title``, ``source``, ``given`` (the
kind's data), and optionally ``ask``, ``notation``, ``source_answers`` and
``random`` (how to draw other given data for each student: ``solver.files.randomize``).
Every error names the file, the line and the field path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from pydantic import TypeAdapter, ValidationError

from solver.files.randomize import Condition, RandomSpec, check_paths, parse_conditions
from solver.files.reading import paths_relative_to
from solver.files.yaml_io import Lines, located, parse_yaml, read_text
from solver.graph.errors import InputError, InputErrors
from solver.graph.steps import Solution
from solver.graph.values import counted
from solver.kinds import GIVEN_CONFIG, kind_module


@dataclass
class Envelope:
    """The fields every problem file has, whatever its kind."""

    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    kind: str
    """The problem kind: conv-size, pool-size, conv-stack, neuron, mlp, conv, pool, rnn, ..."""
    given: dict[str, Any]
    """The data of the problem; its fields depend on the kind."""
    title: str | None = None
    """A one-line title for solution sheets."""
    source: str | None = None
    """Where the exercise comes from: seed file and section."""
    ask: list[str] = field(default_factory=list)
    """The steps that are the answers (default: all)."""
    notation: dict[str, str] = field(default_factory=dict)
    """The course's own names for canonical steps, e.g. {z: a, W1: alpha}."""
    source_answers: dict[str, Any] = field(default_factory=dict)
    """What the source document states, compared by `nnsolve check`."""
    errata: dict[str, str] = field(default_factory=dict)
    """Known mistakes of the source: step name -> explanation."""
    hints: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """For the grader: step -> foreseen wrong answers, each {answer, message, score}."""
    random: RandomSpec | None = None
    """How to draw the given data for each student (a homework's variants); given is then the default."""


@dataclass
class Problem:
    envelope: Envelope
    given: Any
    where: str
    lines: Lines
    folder: Path | None = None
    """The folder of the file the problem is written in: its relative paths start there."""
    given_at: tuple[Any, ...] = ("given",)
    """Where the given data is in ``lines`` (a homework's ``derive:`` entry is the given of a derivation)."""
    at: tuple[Any, ...] = ()
    """Where the problem itself is in ``lines``: a problem inline in a homework is under ``problems.N.problem``."""
    _conditions: list[Condition] | None = field(default=None, repr=False)

    @property
    def kind(self) -> str:
        return self.envelope.kind

    def conditions(self) -> list[Condition]:
        """The random spec's conditions, parsed once against the step names of the file's own solution."""
        if self._conditions is None:
            self.solve()
        return self._conditions or []

    def with_given(self, given: dict[str, Any]) -> Problem:
        """The same problem with other given data (a drawn variant), validated as the file's own."""
        validated = validate(kind_module(self.kind).Given, given, self.lines, self.where, self.given_at)
        return replace(self, envelope=replace(self.envelope, given=given), given=validated)

    def solve(self) -> Solution:
        """Solve the problem; errors found while solving point at their field's line."""
        module = kind_module(self.kind)
        try:
            with paths_relative_to(self.folder):
                solution = module.solve(self.given, title=self.envelope.title)
        except InputError as error:
            raise self._locate(error) from None
        solution.notation.update(self.envelope.notation)
        solution.source = self.envelope.source
        solution.asked = tuple(self.envelope.ask)
        for index, reference in enumerate(self.envelope.ask):
            check_asked(solution, reference, self.located("ask", index))
        if self.envelope.random is not None and self._conditions is None:
            self._conditions = parse_conditions(self.envelope.random, solution, self.located)
        return solution

    def _locate(self, error: InputError) -> InputError:
        parts = error.field.split(".") if error.field else []
        # List positions are ints in the line map ("layers.1.weights" -> ("layers", 1, "weights")).
        path = (*self.given_at, *(int(p) if p.isdigit() else p for p in parts))
        return error.located(located(self.where, self.lines, path))

    def located(self, *path: Any) -> str:
        """Where the problem's value at ``path`` (``"random", "draw"``) is in its file: file, line and field."""
        return located(self.where, self.lines, (*self.at, *path))


def check_asked(solution: Solution, reference: str, where: str) -> None:
    """An asked step or entry (``W1[1,2]``) must exist; the error lists the steps that do."""
    try:
        solution.entry(reference)
    except InputError as error:
        known = ", ".join(s.name for s in solution if not s.is_given)
        raise InputError(f"{error.message}; expected one of: {known}", where=where) from None


def load_problem(path: Path) -> Problem:
    where = str(path)
    data, lines = parse_yaml(read_text(path, "problem file"), where)
    return problem_from_data(data, lines, where, path.parent)


def problem_from_data(
    data: Any,
    lines: Lines,
    where: str,
    folder: Path | None = None,
    given_at: tuple[Any, ...] | None = None,
    at: tuple[Any, ...] = (),
) -> Problem:
    """Validate already-parsed YAML (also used for problems inline in a homework file).

    ``folder`` is that of the file the data comes from: the problem's relative paths start
    there (without one, in the working directory).  ``at`` is where the problem is in
    ``lines`` (a homework's ``problems.N.problem``), ``given_at`` where its given data is
    (by default its ``given``).
    """
    given_at = (*at, "given") if given_at is None else given_at
    if not isinstance(data, dict):
        raise InputError("expected a mapping with kind, title and given", where=where)
    if "answers" in data and "kind" not in data:
        raise InputError(
            "this is a student's answers file, not a problem file; "
            "grade it with 'nnsolve grade HOMEWORK ANSWERS', or solve the homework or problem it answers",
            where=where,
        )
    envelope = validate(Envelope, data, lines, where, at)
    _check_notation(envelope.notation, lines, where, at)
    try:
        module = kind_module(envelope.kind)
    except InputError as error:
        raise error.located(located(where, lines, (*at, "kind"))) from None
    given = validate(module.Given, envelope.given, lines, where, given_at)
    problem = Problem(envelope, given, where, lines, folder, given_at, at)
    if envelope.random is not None:
        check_paths(envelope.random, envelope.given, problem.located)
    return problem


#: A course's name for a step: shown in text, Markdown and LaTeX, so a name and never markup.
_DISPLAY_NAME = re.compile(r"[^\W\d_][\w']*")


def _check_notation(notation: dict[str, str], lines: Lines, where: str, at: tuple[Any, ...]) -> None:
    for name, shown in notation.items():
        if not _DISPLAY_NAME.fullmatch(shown):
            raise InputError(
                f"{shown!r} is not a name; expected letters, digits, _ and ' (such as alpha or y_hat)",
                where=located(where, lines, (*at, "notation", name)),
            )


def validate(model: type, data: Any, lines: Lines, where: str, prefix: tuple[Any, ...]) -> Any:
    """``model`` built from ``data``, or one located error per problem found."""
    try:
        return _adapter(model).validate_python(data)
    except ValidationError as error:
        raise InputErrors(_located_errors(error, data, lines, where, prefix)) from None


@cache
def _adapter(model: type) -> TypeAdapter[Any]:
    """The validator of ``model``, built once: building one reads the model's source for its docstrings."""
    return TypeAdapter(model)


def _located_errors(
    error: ValidationError, data: Any, lines: Lines, where: str, prefix: tuple[Any, ...]
) -> list[InputError]:
    found: dict[tuple[Any, ...], list[str]] = {}
    for item in error.errors(include_url=False):
        path = _data_path(data, item["loc"], names_a_field=item["type"] in FIELD_ERRORS)
        found.setdefault(path, []).append(in_our_words(item))
    # A union member that got further into the value says more than one that refused it at once.
    deepest = {p: m for p, m in found.items() if not any(len(q) > len(p) and q[: len(p)] == p for q in found)}
    errors = []
    for path, messages in deepest.items():
        if len(messages) > 1:  # a union: say what was given and what each member wanted
            wanted = dict.fromkeys(m.removeprefix("expected ") for m in messages)
            message = f"got {_value_at(data, path)!r}; expected one of: " + "; ".join(wanted)
        else:
            message = _with_value(messages[0], path, data)
        errors.append(InputError(message, where=located(where, lines, prefix + path)))
    return errors


#: pydantic's error types -> what nnsolve says instead (its wording names Python types).
OUR_WORDS = {
    "unexpected_keyword_argument": "unknown field",
    "extra_forbidden": "unknown field",
    "missing_argument": "missing field",
    "missing": "missing field",
    "dict_type": "expected a mapping (name: value lines)",
    "dataclass_type": "expected a mapping (name: value lines)",
    "model_type": "expected a mapping (name: value lines)",
    "list_type": "expected a list",
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "finite_number": "expected a finite number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
}


def in_our_words(item: Mapping[str, Any]) -> str:
    """One pydantic error in nnsolve's words ("expected a mapping", never "a valid dictionary")."""
    if item["type"] in OUR_WORDS:
        return OUR_WORDS[item["type"]]
    context = item.get("ctx") or {}
    if item["type"] == "literal_error":
        return f"expected {context['expected']}"
    for bound, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
        if bound in context:
            return f"expected a number {sign} {context[bound]:g}"
    if item["type"] == "too_short":
        return f"expected at least {counted(context['min_length'], 'entry', 'entries')}"
    message = str(item["msg"])
    # Value errors raised by nnsolve's own validators carry nnsolve's words after pydantic's prefix.
    for prefix, replacement in (("Value error, ", ""), ("Input should be ", "expected ")):
        if message.startswith(prefix):
            return replacement + message[len(prefix) :]
    return message


#: Error types whose location ends with a field that is not (or should not be) in the data.
FIELD_ERRORS = {"unexpected_keyword_argument", "missing_argument", "missing", "extra_forbidden"}


def _data_path(data: Any, loc: tuple[Any, ...], *, names_a_field: bool) -> tuple[Any, ...]:
    """The part of pydantic's location that names places in the data.

    Other parts name union members (``int``, ``list[int]``, a dataclass) and are
    left out; the last part of a missing or unknown field's location is kept.
    """
    path: list[Any] = []
    node = data
    for position, part in enumerate(loc):
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
            path.append(part)
        elif names_a_field and position == len(loc) - 1:
            path.append(part)
    return tuple(path)


def _with_value(message: str, path: tuple[Any, ...], data: Any) -> str:
    """``got 1.5; expected a whole number`` when the value is short enough to show."""
    if not message.startswith("expected") or not path:
        return message
    value = _value_at(data, path)
    shown = repr(value)
    return f"got {shown}; {message}" if isinstance(value, (int, float, str)) and len(shown) <= 40 else message


def _value_at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data
