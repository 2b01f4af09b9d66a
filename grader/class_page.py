"""The class report as one self-contained HTML page: SVG charts, tables, no script, nothing fetched.

The page uses the solution sheets' style sheet (``solver.render.html.page``), so
it reads and prints like them; the charts are drawn with the figures' SVG writer.
Every text from a file (ids, names, reasons, feedback) is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any, TextIO

from grader.class_report import SHOWN_MISTAKES, ClassTally, StudentList
from grader.report import STATUSES, Status
from solver.graph.values import counted
from solver.render.figures.svg import FAINT, INK, Drawing
from solver.render.html import page

#: How each status is named and coloured; the colours stay apart in grey, the order is the bar's.
STATUS_LOOK: dict[Status, tuple[str, str]] = {
    "correct": ("correct", "#2e7d32"),
    "carried_forward": ("carried forward", "#81c784"),
    "partial": ("partial", "#fdd835"),
    "mistake": ("named mistake", "#8e24aa"),
    "wrong": ("wrong", "#e53935"),
    "missing": ("missing", "#cfcfcf"),
    "invalid": ("invalid", "#212121"),
}
BAR_FILL = "#5b7fb5"
#: The charts' size in SVG units (the page scales them down on a narrow screen).
CHART_WIDTH = 640
HISTOGRAM_HEIGHT = 260
STEP_ROW = 22
STEP_LABEL = 170
#: Width of a letter of 11-unit sans-serif text, generously: the legend's labels must not run into each other.
LETTER = 6.5


def write_class_page(tally: ClassTally, out: TextIO) -> None:
    title = f"Class report: {tally.title}"
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{counted(tally.students, 'student')}, {_number(tally.max_score)} points in all.</p>",
        *_scores(tally),
        *_steps(tally),
        *_mistakes(tally),
        *_attention(tally),
    ]
    out.write(page(title, body))


def _number(x: float) -> str:
    return f"{round(x, 2):g}"


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def _figure(svg: str, caption: str) -> list[str]:
    # In the sheets' frame: on a narrow screen the chart keeps a legible size and scrolls sideways.
    frame = ['<figure class="figure"><div class="drawing">', svg, "</div>"]
    return [*frame, f"<figcaption>{escape(caption)}</figcaption>", "</figure>"]


def _scores(tally: ClassTally) -> list[str]:
    stats = tally.score_statistics()
    lines = ["<h2>Scores</h2>"]
    if stats["mean"] is None:
        return [*lines, "<p>No submissions.</p>"]
    caption = f"Students by score; the dashed line is the median ({_number(stats['median'])})."
    lines += _figure(_histogram(tally, stats["median"]), caption)
    lower, median, upper = stats["quartiles"]
    rows = [
        ("mean", stats["mean"]),
        ("median", median),
        ("lower quartile", lower),
        ("upper quartile", upper),
        ("lowest", stats["lowest"]),
        ("highest", stats["highest"]),
    ]
    lines.append("<table>" + "".join(f"<tr><th>{n}</th><td class=num>{_number(v)}</td></tr>" for n, v in rows))
    return [*lines, "</table>"]


def _histogram(tally: ClassTally, median: float) -> str:
    left, top, bottom = 48, 16, 40
    plot_width, plot_height = CHART_WIDTH - left - 12, HISTOGRAM_HEIGHT - top - bottom
    bars = tally.histogram()
    tallest = max(1, *(b["count"] for b in bars))
    width = plot_width / len(bars)
    drawing = Drawing(CHART_WIDTH, HISTOGRAM_HEIGHT, f"Score distribution of {tally.students} students")
    base = top + plot_height
    for number, bar in enumerate(bars):
        height = plot_height * bar["count"] / tallest
        x = left + number * width
        drawing.rect(x + 1, base - height, width - 2, height, fill=BAR_FILL, stroke="none")
        if bar["count"]:
            drawing.text(x + width / 2, base - height - 8, str(bar["count"]), size=11)
        drawing.text(x, base + 12, _number(bar["from"]), size=11)
    drawing.text(left + plot_width, base + 12, _number(bars[-1]["to"]), size=11)
    drawing.text(left + plot_width / 2, base + 30, "score (points)", size=12)
    drawing.line(left, base, left + plot_width, base)
    drawing.line(left, top, left, base)
    drawing.text(left - 6, top, str(tallest), size=11, anchor="end")
    drawing.text(left - 6, base, "0", size=11, anchor="end")
    median_x = left + plot_width * median / (tally.max_score or 1)
    drawing.line(median_x, top, median_x, base, stroke=INK, dashed=True)
    return drawing.svg()


def _steps(tally: ClassTally) -> list[str]:
    """The stacked bar of every asked step, then the same shares as numbers."""
    lines = ["<h2>Asked steps</h2>"]
    if not tally.students:
        return lines
    lines += _figure(_step_bars(tally), "Share of students by outcome, for every asked step.")
    header = "".join(f"<th>{escape(label)}</th>" for label, _ in STATUS_LOOK.values())
    lines += ['<div class="scroll"><table>', f"<tr><th>step</th><th>points</th>{header}</tr>"]
    for step in tally.steps:
        counts = step.status_counts()
        shares = "".join(f"<td class=num>{_percent(tally.share(counts[s]))}</td>" for s in STATUSES)
        # The step's name kept on one line: a narrow column would break "q4 output_size" at its space.
        lines.append(f"<tr><td>{escape(_step_name(step.problem, step.step)).replace(' ', '&nbsp;')}</td>")
        lines[-1] += f"<td class=num>{_number(step.points)}</td>{shares}</tr>"
    return [*lines, "</table></div>"]


def _step_name(problem: str, step: str) -> str:
    return f"{problem} {step}"


def _step_bars(tally: ClassTally) -> str:
    legend_height = 30
    bar_width = CHART_WIDTH - STEP_LABEL - 12
    height = legend_height + STEP_ROW * len(tally.steps) + 6
    drawing = Drawing(CHART_WIDTH, height, "Outcomes of every asked step")
    x = 4.0
    for label, colour in STATUS_LOOK.values():
        drawing.rect(x, 8, 12, 12, fill=colour, stroke=FAINT)
        drawing.text(x + 16, 14, label, size=11, anchor="start")
        x += 16 + LETTER * len(label) + 14
    for row, step in enumerate(tally.steps):
        y = legend_height + row * STEP_ROW
        drawing.text(STEP_LABEL - 8, y + STEP_ROW / 2, _step_name(step.problem, step.step), size=11, anchor="end")
        x = float(STEP_LABEL)
        counts = step.status_counts()
        for status in STATUSES:
            width = bar_width * tally.share(counts[status])
            if width:
                drawing.rect(x, y + 3, width, STEP_ROW - 6, fill=STATUS_LOOK[status][1], stroke="none")
            x += width
    return drawing.svg()


def _mistakes(tally: ClassTally) -> list[str]:
    lines = ["<h2>Most frequent mistakes</h2>", "<ul>"]
    for step in tally.steps:
        for outcome, count in step.mistakes()[:SHOWN_MISTAKES]:
            name = escape(_step_name(step.problem, step.step))
            how_many = f"{_percent(tally.share(count))} ({counted(count, 'student')})"
            lines.append(
                f"<li><strong>{name}</strong>: {how_many}, <code>{escape(outcome.mistake or '')}</code>: "
                f"{escape(outcome.feedback)}</li>"
            )
    if len(lines) == 2:
        return [lines[0], "<p>No named mistake.</p>"]
    return [*lines, "</ul>"]


#: The lists of students to look at: their heading and the columns of their table.
ATTENTION: dict[str, tuple[str, tuple[str, ...]]] = {
    "unusable_files": ("Answers files that could not be used", ("student", "name", "source", "reason")),
    "invalid_items": ("Answers that could not be graded", ("student", "name", "source", "count", "items")),
    "all_missing": ("Submissions that answer nothing", ("student", "name", "source")),
}


def _attention(tally: ClassTally) -> list[str]:
    lines = ["<h2>Students to look at</h2>"]
    for key, listed in tally.attention().items():
        heading, columns = ATTENTION[key]
        lines.append(f"<h3>{escape(heading)}: {listed.count}</h3>")
        if listed.count:
            lines += _student_table(listed, columns)
    return lines


def _student_table(listed: StudentList, columns: tuple[str, ...]) -> list[str]:
    lines = ['<div class="scroll"><table>', "<tr>" + "".join(f"<th>{c}</th>" for c in columns) + "</tr>"]
    for entry in listed.listed.values():
        lines.append("<tr>" + "".join(f"<td>{_cell(entry[c])}</td>" for c in columns) + "</tr>")
    lines.append("</table></div>")
    more = listed.count - len(listed.listed)
    if more > 0:
        lines.append(f"<p>and {more} more.</p>")
    return lines


def _cell(value: Any) -> str:
    """A table cell's text; invalid items as one line each, with their reason."""
    if isinstance(value, list):
        return "<br>".join(escape(f"{i['problem']} {i['step']}: {i['reason']}") for i in value)
    return escape(str(value))
