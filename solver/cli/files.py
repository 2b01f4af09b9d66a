"""File commands: solve, check, schema."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from solver.cli.output import (
    FormatOption,
    FullOption,
    JsonOption,
    OutOption,
    OutputFormat,
    QuestionsOption,
    chosen_format,
    console,
    handout_renderer,
    written_to,
)
from solver.graph.errors import ExitStatus
from solver.render import FORMATS

if TYPE_CHECKING:
    from grader.homework import Homework
    from solver.files.problem_file import Problem
    from solver.render.sheet import Sheet

FileArgument = Annotated[Path, typer.Argument(help="A problem file (YAML).")]


def _read(file: Path) -> Problem | Homework:
    """The problem or the homework (the grader's) in ``file``, read and parsed once."""
    from grader.homework import homework_from_data, is_homework_data
    from solver.files.problem_file import problem_from_data
    from solver.files.yaml_io import parse_yaml, read_text

    data, lines = parse_yaml(read_text(file, "problem file"), str(file))
    if is_homework_data(data):  # a top-level ``problems:`` list
        return homework_from_data(data, lines, file)
    return problem_from_data(data, lines, str(file), file.parent)


def solve(
    file: FileArgument,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
    full: FullOption = False,
    out: OutOption = None,
    questions: QuestionsOption = False,
    student: Annotated[
        str | None, typer.Option("--student", help="A random homework: this student's variant (their key).")
    ] = None,
) -> None:
    """Work a problem file step by step (or every problem of a homework file)."""
    from solver.files.problem_file import Problem

    name = chosen_format(fmt, as_json, out)
    handout = handout_renderer(name) if questions else None
    problem = _read(file)
    if student is not None:
        problem = _student_variant(problem, student)
    # A file is written whole at the end; a binary format (PDF) writes to the text stream's buffer.
    target = sys.stdout if out is None else io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    if handout is not None:
        handout.write_handout(_sheet(problem), target)
    elif isinstance(problem, Problem):
        FORMATS[name].renderer().write_solution(problem.solve(), target, full)
    else:
        FORMATS[name].renderer().write_sheet(_sheet(problem), target, full)
    if out is not None:
        target.flush()
        written_to(out, target.buffer.getvalue())


def as_written(value: Any, digits: int = 15) -> str:
    """A value with its numbers to ``digits`` significant figures: a source's as it wrote them (-2.382563)."""
    from solver.graph.values import format_value

    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        return "[" + ", ".join(as_written(v, digits) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return format_value(value)


def _student_variant(problem: Problem | Homework, student: str) -> Sheet:
    """The sheet of ``student``'s variant of a random homework."""
    from grader.roster import Student
    from grader.variants import require_random, student_homework, student_sheet
    from solver.files.problem_file import Problem
    from solver.graph.errors import InputError

    if isinstance(problem, Problem):
        raise InputError("--student takes a homework file (a problem file has no students)", where=problem.where)
    require_random(problem)
    return student_sheet(student_homework(problem, student), Student(student))


def _sheet(problem: Problem | Homework | Sheet) -> Sheet:
    """A homework's sheet, or a problem's as a sheet of one that asks its stated answers (else its last step)."""
    from grader.sheet import homework_sheet
    from solver.files.problem_file import Problem
    from solver.render.sheet import Asked, Sheet, SheetProblem

    if isinstance(problem, Sheet):
        return problem
    if not isinstance(problem, Problem):
        return homework_sheet(problem)
    solution = problem.solve()
    names = [n for n in problem.envelope.source_answers if n in solution] or list(solution.answers)[-1:]
    asked = [Asked(n, 1, solution.entry(n)) for n in names]
    return Sheet(solution.title, [SheetProblem(problem.kind, solution.title, asked, solution)])


def check(
    file: FileArgument,
    as_json: JsonOption = False,
    variants: Annotated[
        int | None,
        typer.Option(
            "--variants", min=1, max=10_000, help="A random homework: also self-test this many students' variants."
        ),
    ] = None,
) -> int:
    """Validate a problem file and compare its answers with what its source states (a homework: self-test).

    Exit status 0 when every stated answer agrees or is a declared erratum,
    3 when some disagree, 2 when the file is invalid.
    """
    from solver.files.agreement import agrees
    from solver.files.problem_file import Problem
    from solver.files.yaml_io import line_of
    from solver.graph.errors import InputError
    from solver.graph.values import format_value, to_json

    problem = _read(file)
    if not isinstance(problem, Problem):
        from grader.cli import check_homework

        return check_homework(problem, as_json, variants)
    if variants is not None:
        raise InputError("--variants takes a homework file with random problems", where=str(file))
    solution = problem.solve()
    results: list[dict[str, Any]] = []
    for name, stated in problem.envelope.source_answers.items():
        try:
            computed = solution.entry(name)
        except Exception as error:  # an unknown name is a finding of the check, not a crash
            results.append(
                {
                    "name": name,
                    "stated": stated,
                    "computed": None,
                    "agrees": False,
                    "erratum": None,
                    "problem": str(error),
                }
            )
            continue
        try:
            agreed = agrees(computed, stated)
        except InputError as error:
            raise error.located(
                f"{problem.where}:{line_of(problem.lines, ('source_answers', name))}: source_answers.{name}"
            ) from None
        results.append(
            {
                "name": name,
                "stated": stated,
                "computed": computed,
                "agrees": agreed,
                "erratum": problem.envelope.errata.get(name),
            }
        )
    unexplained = [r for r in results if not r["agrees"] and not r["erratum"]]
    status = ExitStatus.DISCREPANCY if unexplained else ExitStatus.OK
    if as_json:
        for r in results:
            r["computed"] = to_json(r["computed"])
        print(
            json.dumps(
                {"file": str(file), "kind": problem.kind, "valid": True, "results": results, "ok": not unexplained},
                indent=2,
                ensure_ascii=False,
            )
        )
        return status
    from rich.markup import escape  # file text and values such as [a1_1, a1_2] are not style tags

    out = console()
    out.print(f"[bold]{escape(str(file))}[/]: valid {problem.kind} problem, {len(solution.answers)} computed steps")
    if not results:
        out.print("  no source_answers to compare")
    for r in results:
        shown = format_value(r["computed"]) if "problem" not in r else r["problem"]
        stated = as_written(r["stated"])
        name = escape(r["name"])
        if r["agrees"]:
            out.print(f"  [green]✓[/] {name} = {escape(shown)}  (source: {escape(stated)})")
        else:
            if "problem" not in r:  # more digits than a step shows: where the two part is the point
                shown = as_written(r["computed"], digits=8)
            mark = "[yellow]≠ erratum[/]" if r["erratum"] else "[red]✗ discrepancy[/]"
            out.print(f"  {mark} {name}: computed {escape(shown)}, source states {escape(stated)}")
            if r["erratum"]:
                out.print(f"      {escape(r['erratum'])}", style="italic yellow")
    agreed = sum(r["agrees"] for r in results)
    errata = sum(bool(r["erratum"]) and not r["agrees"] for r in results)
    out.print(f"{agreed} agree, {errata} known errata, {len(unexplained)} unexplained discrepancies")
    return status


def schema(
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind's file schema.")] = None,
) -> None:
    """Print the JSON Schema of problem files (for editors)."""
    from solver.files.schema import problem_schema

    sys.stdout.write(json.dumps(problem_schema(kind), indent=2) + "\n")


def register(app: typer.Typer) -> None:
    app.command("solve")(solve)
    app.command("check")(check)
    app.command("schema")(schema)
