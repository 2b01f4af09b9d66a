"""``nnsolve solve HOMEWORK``: the solution sheet of a whole homework, and the answers template."""

from __future__ import annotations

import json
from typing import Any

from grader.homework import Homework
from grader.parse import value_kind
from solver.graph.names import split_entry
from solver.graph.values import format_value, to_json

#: What a student may write, by kind of value (for the answers template).
FORMS = {
    "shape": "a size such as 5x4 or 7x7x40",
    "integer": "a whole number",
    "number": "a number such as 0.25, 3/4 or 1.2e-3",
    "array": 'a list, or rows such as "1 0; 0 1"',
    "expression": "an expression in {symbols}",
}


def homework_markdown(homework: Homework) -> str:
    from solver.render.markdown import render_markdown

    parts = [f"# {homework.title}", ""]
    for problem in homework.problems:
        points = sum(a.points for a in problem.asked)
        parts += [f"## {problem.id}: {problem.title} ({points:g} points)", ""]
        parts += ["| asked | points | answer |", "|---|---:|---|"]
        for asked in problem.asked:
            value = format_value(problem.solution.entry(asked.reference), "latex")
            parts.append(f"| `{asked.reference}` | {asked.points:g} | ${value}$ |")
        parts += ["", render_markdown(problem.solution, heading_level=3)]
    return "\n".join(parts).rstrip() + "\n"


def homework_json(homework: Homework) -> str:
    from solver.render.json import solution_dict

    data: dict[str, Any] = {
        "title": homework.title,
        "problems": [
            {
                "id": p.id,
                "title": p.title,
                "asked": {a.reference: to_json(p.solution.entry(a.reference)) for a in p.asked},
                "points": {a.reference: a.points for a in p.asked},
                "solution": solution_dict(p.solution),
            }
            for p in homework.problems
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def print_homework_terminal(homework: Homework) -> None:
    from rich.console import Console
    from rich.rule import Rule
    from rich.text import Text

    from solver.render.terminal import render_terminal

    console = Console(highlight=False)
    # Titles, ids and step names come from the file: shown as text, never read as markup.
    console.print(Text(homework.title, style="bold"))
    for problem in homework.problems:
        asked = ", ".join(f"{a.reference} ({a.points:g} pt)" for a in problem.asked)
        console.print(Rule(Text(f"{problem.id}: {problem.title}")))
        console.print(Text(f"asked: {asked}"))
        console.print(render_terminal(problem.solution))


def answers_template(homework: Homework, source: str) -> str:
    """An answers file to fill in: every asked step, blank, with what kind of value it takes."""
    lines = [
        f"# Answers for {homework.title!r} ({source})",
        "# Fill in each value after the colon; leave a step blank if you skip it.",
        "student: your-id",
        "name: Your Name",
        "answers:",
    ]
    for problem in homework.problems:
        lines.append(f"  {problem.id}:  # {problem.title}")
        for asked in problem.asked:
            kind = value_kind(problem.solution.entry(asked.reference))
            form = FORMS.get(kind, "a value").format(symbols=", ".join(problem.symbols))
            title = problem.solution[split_entry(asked.reference)[0]].title
            key = json.dumps(asked.reference) if not asked.reference.replace("_", "").isalnum() else asked.reference
            lines.append(f"    {key}:  # {title}; {form} ({asked.points:g} pt)")
    return "\n".join(lines) + "\n"
