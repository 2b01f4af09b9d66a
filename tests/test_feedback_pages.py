"""Per-student feedback (grade --feedback DIR): a page and a Markdown file each, escaped, whole or not at all."""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import PROBLEMS
from test_html import _chromium, _pixels

from solver.files.writing import file_stem

HOMEWORK = PROBLEMS / "homework1.yaml"
SAMPLES = PROBLEMS / "submissions"
HOSTILE_NAME = "<script>alert('name')</script> *bold* | pipe"
HOSTILE_ANSWER = "<img src=x onerror=alert(1)>"


class _Cells(HTMLParser):
    """The text of every table row of a page, and the tags it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.tags: set[str] = set()
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
            self._in_cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.rows[-1][-1] += data


def _parsed(page: Path) -> _Cells:
    cells = _Cells()
    cells.feed(page.read_text(encoding="utf-8"))
    return cells


def _hostile_class(tmp_path: Path) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(SAMPLES / "eve_dense_mistakes.yaml", folder)
    text = (SAMPLES / "ada_correct.yaml").read_text(encoding="utf-8")
    text = text.replace("student: s01", "student: ../../evil").replace("name: Ada Lovelace", f'name: "{HOSTILE_NAME}"')
    text = text.replace("padded_h: 17", f'padded_h: "{HOSTILE_ANSWER}"')
    (folder / "hostile.yaml").write_text(text, encoding="utf-8")
    return folder


def test_each_student_gets_a_page_and_markdown_with_every_item(cli, tmp_path):
    out = tmp_path / "feedback"
    result = cli("grade", HOMEWORK, SAMPLES, "--json", "--feedback", out)
    assert result.code == 0, result.err
    reports = json.loads(result.out)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{r['student']}{suffix}" for r in reports for suffix in (".html", ".md")
    )
    for report in reports:
        rows = _parsed(out / f"{report['student']}.html").rows
        assert rows[0] == ["question", "step", "your answer", "expected", "points", "status"]
        # Each item's row, then its feedback in a row of its own (a blank cell, then the feedback).
        # A file that could not be used at all says why once, above the table, not on every row.
        reasons = {item["feedback"] for item in report["items"]}
        unusable = len(reasons) == 1 and all(item["status"] == "invalid" for item in report["items"])
        page = html.unescape((out / f"{report['student']}.html").read_text(encoding="utf-8"))
        markdown = (out / f"{report['student']}.md").read_text(encoding="utf-8")
        markdown = re.sub(r"\\(.)", r"\1", html.unescape(markdown))
        said_once = "could not be graded: " + next(iter(reasons))
        assert (said_once in page and said_once in markdown) == unusable
        items = iter(rows[1:])
        for item in report["items"]:
            row = next(items)
            assert row[:2] == [item["problem"], item["step"]]
            assert row[4] == f"{round(item['score'], 2):g} / {round(item['max_score'], 2):g}"
            if item["feedback"] and not unusable:
                assert next(items) == ["", item["feedback"]]
        assert next(items, None) is None
        assert markdown.count("\n| ") == len(report["items"]) + 1
        assert f"{round(report['score'], 2):g} / {round(report['max_score'], 2):g} points" in markdown
    eve = (out / "s05.html").read_text(encoding="utf-8")
    assert "mistake (" in eve and "<script" not in eve
    assert any(len({i["feedback"] for i in r["items"]}) == 1 for r in reports)  # hal's broken file is among them


def test_everything_from_files_is_escaped_and_ids_are_safe_file_names(cli, tmp_path):
    out = tmp_path / "feedback"
    assert cli("grade", HOMEWORK, _hostile_class(tmp_path), "--feedback", out).code == 0
    evil = file_stem("../../evil")  # its safe characters and a digest of the id
    assert re.fullmatch(r"_.._evil-[0-9a-f]{8}", evil)
    assert sorted(p.name for p in out.iterdir()) == [f"{evil}.html", f"{evil}.md", "s05.html", "s05.md"]
    assert not list(tmp_path.glob("evil*")) and not list(tmp_path.parent.glob("evil*"))
    page = (out / f"{evil}.html").read_text(encoding="utf-8")
    cells = _parsed(out / f"{evil}.html")
    page_tags = {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "p",
        "strong",
        "div",
        "table",
        "tr",
        "th",
        "td",
    }
    assert cells.tags <= page_tags
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in page
    assert HOSTILE_ANSWER in cells.rows[1]
    markdown = (out / f"{evil}.md").read_text(encoding="utf-8")
    assert "<script" not in markdown and "<img" not in markdown and "&lt;img src=x onerror=alert(1)&gt;" in markdown
    assert "\\*bold\\* \\| pipe" in markdown


@pytest.mark.parametrize("student", ["s01", "a b/c", "..", "", "../../evil"])
def test_file_stems_are_safe_and_keep_ids_apart(student):
    stem = file_stem(student)
    assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", stem)  # nothing hidden, no path, never empty
    assert stem == student if student == "s01" else re.search(r"-[0-9a-f]{8}$", stem)
    assert file_stem(student + "!") != stem  # a digest keeps ids that lose characters apart


def test_ids_a_case_blind_file_system_would_file_together_each_get_their_page(cli, tmp_path):
    """One odd pair of ids never stops the class: the later one's files carry a digest."""
    folder = tmp_path / "class"
    folder.mkdir()
    for number, student in enumerate(("Ada", "ada", "a:b", "a/b")):
        text = (SAMPLES / "ada_correct.yaml").read_text(encoding="utf-8")
        (folder / f"{number}.yaml").write_text(text.replace("student: s01", f"student: '{student}'"), encoding="utf-8")
    out = tmp_path / "feedback"
    result = cli("grade", HOMEWORK, folder, "--feedback", out)
    assert result.code == 0, result.err
    pages = sorted(p.name for p in out.iterdir() if p.suffix == ".html")
    assert len(pages) == 4 and len({p.casefold() for p in pages}) == 4
    assert "Ada.html" in pages


def test_with_a_roster_only_its_students_get_feedback_under_their_roster_id(cli, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text('Student,ID,SIS User ID,SIS Login ID,Section\n"Lovelace, Ada",101,,s01,A\n', encoding="utf-8")
    out = tmp_path / "feedback"
    result = cli("grade", HOMEWORK, SAMPLES, "--feedback", out, "--roster", roster)
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == ["s01.html", "s01.md"]
    assert "s05: not on the roster" in result.err


def test_a_feedback_path_that_is_a_file_is_refused(cli, tmp_path):
    (tmp_path / "feedback").write_text("notes\n", encoding="utf-8")
    result = cli("grade", HOMEWORK, SAMPLES / "ada_correct.yaml", "--feedback", tmp_path / "feedback")
    assert result.code == 2 and "not a folder" in result.err and result.err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback"]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_chromium_renders_a_feedback_page(cli, tmp_path):
    out = tmp_path / "feedback"
    assert cli("grade", HOMEWORK, _hostile_class(tmp_path), "--feedback", out).code == 0
    dom, shot = _chromium(out / f"{file_stem('../../evil')}.html", tmp_path)
    assert dom.count("<tr>") > 30 and "<img" not in dom and "<script>alert" not in dom
    assert HOSTILE_ANSWER.replace("<", "&lt;").replace(">", "&gt;") in dom
    assert len(set(_pixels(shot))) > 16, "the screenshot is blank"


def test_a_feedback_folder_whose_parent_is_missing_is_one_line(cli, tmp_path):
    result = cli("grade", HOMEWORK, SAMPLES / "ada_correct.yaml", "--feedback", tmp_path / "no" / "feedback")
    assert result.code == 2 and result.err.count("\n") == 1
    assert "cannot write the feedback" in result.err and "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == []


def test_one_unreadable_answer_is_that_answer_s_feedback_not_a_file_that_could_not_be_graded(cli, tmp_path):
    """A homework of one asked step whose only answer is unreadable: every item is invalid for one reason,
    yet the file was read, so the page says why on the row, not that the file could not be graded."""
    homework = tmp_path / "one.yaml"
    homework.write_text(
        "title: One step\nproblems:\n  - id: q1\n    problem:\n      kind: conv-size\n"
        "      given: {input: 12x12, kernel: 5, stride: 2, padding: 4}\n    ask: {padded: 1}\n",
        encoding="utf-8",
    )
    answers = tmp_path / "s1.yaml"
    answers.write_text("student: s1\nanswers:\n  q1: {padded: thirty}\n", encoding="utf-8")
    out = tmp_path / "feedback"
    assert cli("grade", homework, answers, "--feedback", out).code == 0
    page = html.unescape((out / "s1.md").read_text(encoding="utf-8"))
    assert "could not be graded" not in page and "thirty" in page
