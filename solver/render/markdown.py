"""Markdown solution sheets: math in ``$...$`` and ``$$...$$``."""

from __future__ import annotations

from solver.render import display_name, equation
from solver.steps import Solution
from solver.tables import markdown_table
from solver.values import format_value


def render_markdown(solution: Solution, heading_level: int = 1) -> str:
    hashes = "#" * heading_level
    lines = [f"{hashes} {solution.title}", ""]
    if solution.source:
        lines += [f"*Source: {solution.source}*", ""]
    givens = [s for s in solution if s.is_given]
    if givens:
        lines += [f"{hashes}# Given", "", "| | | |", "|---|---|---|"]
        for step in givens:
            name = display_name(step.name, solution, "latex")
            lines.append(f"| ${name}$ | {step.title} | ${format_value(step.value, 'latex')}$ |")
        lines.append("")
    lines += [f"{hashes}# Solution", ""]
    for number, step in enumerate((s for s in solution if not s.is_given), start=1):
        lines += [f"**{number}. {step.title}** (`{step.name}`)", ""]
        lines += ["$$", equation(step, solution, "latex"), "$$", ""]
        lines += [f"    {line}" for line in step.detail]
        if step.detail:
            lines.append("")
        if step.views:
            from solver.render.maps import markdown_views

            lines += markdown_views(step.views)
        if step.note:
            lines += [f"> {step.note}", ""]
    for table in solution.tables:
        lines += [*markdown_table(table), ""]
    return "\n".join(lines).rstrip() + "\n"
