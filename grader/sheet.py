"""``nnsolve solve HOMEWORK``: the solution sheet of a whole homework, and the answers template."""

from __future__ import annotations

import json
from functools import partial

from grader.answers import TEMPLATE_ID
from grader.homework import Homework
from grader.parse import value_kind
from grader.roster import Student
from solver.graph.names import fill_names, rename, split_entry
from solver.kinds.sizes.conv_stack import CHANNELS_LAST
from solver.render.sheet import Asked, Sheet, SheetProblem

#: What a student may write, by kind of value (for the answers template).
FORMS = {
    "shape": "a size such as 5x4 or 7x7x40",
    "integer": "a whole number",
    "number": "a number such as 0.25, 3/4 or 1.2e-3",
    "array": 'a list, or rows such as "1 0; 0 1"',
    "expression": "an expression in {symbols}",
}
#: The form of an image's shape in a problem that writes images channels first (``layout: chw``).
CHANNELS_FIRST_FORM = "a size written C×H×W (channels first) such as 40x7x7"


def homework_sheet(homework: Homework) -> Sheet:
    """The homework as a solution sheet, for any format to draw (``solver.render``)."""
    problems = [
        SheetProblem(
            problem.id,
            problem.title,
            [Asked(a.reference, a.points, problem.solution.entry(a.reference)) for a in problem.asked],
            problem.solution,
        )
        for problem in homework.problems
    ]
    return Sheet(homework.title, problems)


def answers_template(homework: Homework, source: str, student: Student | None = None, note: str | None = None) -> str:
    """An answers file to fill in: every asked step, blank, with what kind of value it takes.

    A student's own template (a random homework's variant) names them and carries the variant's note;
    their id and name are quoted as JSON strings, which YAML reads back as the same text whatever they hold.
    """
    who = [f"student: {TEMPLATE_ID}", "name: Your Name"]
    if student is not None:
        who = [f"student: {json.dumps(student.id)}", f"name: {json.dumps(student.name)}"]
    lines = [
        f"# Answers for {homework.title!r} ({source})",
        "# Fill in each value after the colon; leave a step blank if you skip it.",
        *who,
        *([f"note: {json.dumps(note)}  # your variant: keep this line as it is"] if note else []),
        "answers:",
    ]
    for problem in homework.problems:
        lines.append(f"  {problem.id}:  # {problem.title}")
        for asked in problem.asked:
            kind = value_kind(problem.solution.entry(asked.reference))
            step = problem.solution[split_entry(asked.reference)[0]]
            form = FORMS.get(kind, "a value").format(symbols=", ".join(problem.solution.symbols))
            if any(variant.name == CHANNELS_LAST for variant in step.variants):
                form = CHANNELS_FIRST_FORM  # the step names an image written H×W×C as a mistake
            title = step.title
            # The key is the canonical id students type; the comment names steps as the course does.
            title = fill_names(title, partial(rename, notation=problem.solution.notation))
            key = json.dumps(asked.reference) if not asked.reference.replace("_", "").isalnum() else asked.reference
            lines.append(f"    {key}:  # {title}; {form} ({asked.points:g} pt)")
    return "\n".join(lines) + "\n"
