"""Markdown solution sheets: math in ``$...$`` and ``$$...$$``."""

from __future__ import annotations

from solver.graph.steps import Solution
from solver.graph.tables import markdown_table
from solver.graph.values import format_value
from solver.render import display_name, equation
from solver.render.summary import Elided, shortened, summarised_steps, summarised_table


def render_markdown(solution: Solution, heading_level: int = 1, full: bool = False) -> str:
    """A Markdown sheet; long runs of time steps are summarised unless ``full``."""
    hashes = "#" * heading_level
    lines = [f"{hashes} {solution.title}", ""]
    if solution.source:
        lines += [f"*Source: {solution.source}*", ""]
    givens = [s for s in solution if s.is_given]
    if givens:
        lines += [f"{hashes}# Given", "", "| | | |", "|---|---|---|"]
        for step in summarised_steps(givens, full):
            if isinstance(step, Elided):
                lines.append(f"| ⋮ | {step.text()} | |")
                continue
            name = display_name(step.name, solution, "latex")
            lines.append(f"| ${name}$ | {step.title} | ${format_value(step.value, 'latex')}$ |")
        lines.append("")
    lines += [f"{hashes}# Solution", ""]
    number = 0
    for step in summarised_steps([s for s in solution if not s.is_given], full):
        if isinstance(step, Elided):
            number += step.count  # the steps after a gap keep their numbers
            lines += [step.text(), ""]
            continue
        number += 1
        lines += [f"**{number}. {step.title}** (`{step.name}`)", ""]
        lines += ["$$", shortened(equation(step, solution, "latex"), full), "$$", ""]
        lines += [f"    {shortened(line, full)}" for line in step.detail]
        if step.detail:
            lines.append("")
        if step.views:
            from solver.kinds.maps.views import markdown_views

            lines += markdown_views(step.views)
        if step.note:
            lines += [f"> {step.note}", ""]
    for table in solution.tables:
        lines += [*markdown_table(summarised_table(table, full)), ""]
    return "\n".join(lines).rstrip() + "\n"
