"""The class report: its counts against a tally of ``nnsolve grade --json`` made here, its page in Chromium."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import PROBLEMS, ROOT
from test_grade_class import SAMPLES, make_class
from test_html import _chromium, _pixels

HOMEWORK = PROBLEMS / "homework1.yaml"
#: What grading adds to a named mistake's feedback when the right entries earn more; the same mistake either way.
STILL_EARN = " The entries that are right still earn their share."


def random_class(directory: Path, students: int) -> None:
    """The benchmark's class: answers drawn at random (right, rounded, a slip carried forward, mistakes, garbage)."""
    spec = importlib.util.spec_from_file_location("bench_grade_class", ROOT / "tests" / "bench" / "grade_class.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.write_class(directory, students)


@pytest.fixture(scope="module")
def varied_class(tmp_path_factory) -> Path:
    """The sample files (right, rounded, carried forward, named mistakes, broken ...), random students, blanks."""
    folder = tmp_path_factory.mktemp("class")
    make_class(folder, 24)
    random_class(folder, 40)
    for number in range(3):
        (folder / f"blank{number}.yaml").write_text(f"student: b{number}\nanswers: {{}}\n", encoding="utf-8")
    # one unreadable answer and nothing else: invalid, not a submission that answers nothing
    (folder / "garbled.yaml").write_text("student: g0\nanswers: {q1: {padded_h: about 5}}\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def prepared():
    from grader.homework import load_homework
    from grader.prepare import prepare

    return prepare(load_homework(HOMEWORK))


def graded(cli, folder: Path, *extra: str) -> list[dict]:
    result = cli("grade", HOMEWORK, folder, "--json", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def median_by_hand(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def quartile_by_hand(values: list[float], quarter: int) -> float:
    """The quarter-th quartile by linear interpolation between the two closest ranks (ranks from 0 to n - 1)."""
    ordered = sorted(values)
    position = Fraction(quarter * (len(ordered) - 1), 4)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return float(ordered[below] + (ordered[above] - ordered[below]) * (position - below))


def histogram_by_hand(scores: list[float], top: float) -> list[int]:
    """Ten equal ranges of [0, top]: a score is in the range whose lower end it reaches; the top in the last.

    Scores and points are decimals (rounded to 4 places): compared as exact decimal fractions.
    """
    counts = [0] * 10
    for score in scores:
        reached = [b for b in range(10) if Fraction(str(score)) * 10 >= b * Fraction(str(top))]
        counts[max(reached)] += 1
    return counts


def whole_file_unusable(report: dict) -> bool:
    items = report["items"]
    return bool(items) and all(i["status"] == "invalid" for i in items) and len({i["feedback"] for i in items}) == 1


def tally_by_hand(reports: list[dict]) -> dict:
    """What the report must say, counted from ``grade --json`` with plain loops."""
    steps: dict[tuple[str, str], Counter] = {}
    mistakes: dict[tuple[str, str], Counter] = {}
    unusable, invalid, nothing = [], [], []
    for report in reports:
        for item in report["items"]:
            if item["max_score"] == 0:
                continue
            key = (item["problem"], item["step"])
            steps.setdefault(key, Counter())[item["status"]] += 1
            if item["status"] == "mistake":
                feedback = item["feedback"]
                if feedback.endswith(STILL_EARN):
                    feedback = feedback[: -len(STILL_EARN)]
                mistakes.setdefault(key, Counter())[item["mistake"], feedback] += 1
        if whole_file_unusable(report):
            unusable.append(report["student"])
            continue
        if any(i["status"] == "invalid" for i in report["items"]):
            invalid.append(report["student"])
        if all(i["status"] == "missing" for i in report["items"] if i["max_score"]):
            nothing.append(report["student"])
    return {"steps": steps, "mistakes": mistakes, "unusable": unusable, "invalid": invalid, "nothing": nothing}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_counts_are_those_of_grade_json(cli, varied_class, tmp_path, jobs):
    reports = graded(cli, varied_class)
    out = tmp_path / "report.json"
    result = cli("report", HOMEWORK, varied_class, "-o", out, "--jobs", jobs)
    assert result.code == 0, result.err
    assert result.out == f"class report written to {out}\n"
    report = json.loads(out.read_text(encoding="utf-8"))
    expected = tally_by_hand(reports)

    scores = [r["score"] for r in reports]
    assert report["students"] == len(reports) == 68
    stats = report["scores"]
    assert stats["mean"] == pytest.approx(sum(scores) / len(scores), abs=1e-4)
    assert stats["median"] == pytest.approx(median_by_hand(scores), abs=1e-4)
    assert stats["quartiles"] == pytest.approx([quartile_by_hand(scores, q) for q in (1, 2, 3)], abs=1e-4)
    assert (stats["lowest"], stats["highest"]) == (min(scores), max(scores))
    assert [b["count"] for b in stats["histogram"]] == histogram_by_hand(scores, 54)

    assert [(s["problem"], s["step"]) for s in report["steps"]] == list(expected["steps"])
    for step in report["steps"]:
        key = (step["problem"], step["step"])
        assert {k: v for k, v in step["counts"].items() if v} == dict(expected["steps"][key]), key
        assert sum(step["counts"].values()) == len(reports)
        assert step["shares"]["correct"] == pytest.approx(expected["steps"][key]["correct"] / len(reports), abs=1e-4)
        named = {(m["name"], m["feedback"]): m["count"] for m in step["mistakes"]}
        assert named == dict(expected["mistakes"].get(key, {})), key
        assert [m["count"] for m in step["mistakes"]] == sorted(named.values(), reverse=True)
    # The random class makes every kind of outcome somewhere.
    assert all(any(s["counts"][status] for s in report["steps"]) for status in step["counts"])

    attention = report["attention"]
    assert [s["student"] for s in attention["unusable_files"]["students"]] == expected["unusable"]
    assert [s["student"] for s in attention["invalid_items"]["students"]] == expected["invalid"]
    assert [s["student"] for s in attention["all_missing"]["students"]] == expected["nothing"]
    assert expected["unusable"] and "g0" in expected["invalid"] and expected["nothing"] == ["b0", "b1", "b2"]
    for key, listed in attention.items():
        assert listed["count"] == len(listed["students"]), key


@pytest.mark.parametrize("top", [54, 3.2])
def test_a_score_on_a_boundary_counts_in_the_range_it_starts(prepared, top):
    from grader.class_report import ClassTally
    from grader.report import StudentReport

    tally = ClassTally(prepared)
    tally.max_score = top  # 3.2 points: 9.6/3.2 is just under 3 in floating point
    scores = [round(bar * top / 10, 4) for bar in range(11)] + [round(top / 10 - 0.0001, 4), round(top - 0.0001, 4)]
    for number, score in enumerate(scores):
        student = StudentReport(f"s{number}", "", f"s{number}.yaml")
        tally.add(student)
        tally.scores[student.student] = score  # the score alone matters to the histogram
    assert [b["count"] for b in tally.histogram()] == histogram_by_hand(scores, top) == [2, 1, 1, 1, 1, 1, 1, 1, 1, 3]


def test_json_printed_is_the_json_written(cli, tmp_path):
    printed = cli("report", HOMEWORK, *SAMPLES, "--json")
    assert printed.code == 0, printed.err
    assert cli("report", HOMEWORK, *SAMPLES, "--json", "-o", tmp_path / "r.json").code == 0
    assert printed.out == (tmp_path / "r.json").read_text(encoding="utf-8")


def test_a_mistake_reads_with_its_share_and_feedback(cli, tmp_path):
    page = tmp_path / "report.html"
    assert cli("report", HOMEWORK, *SAMPLES, "-o", page).code == 0
    text = page.read_text(encoding="utf-8")
    # eve (1 of 8 students) left out the bias in q7's z1
    assert re.search(
        r"<strong>q7 z1</strong>: 12% \(1 student\), <code>bias_forgotten</code>: The pre-activation is W·a \+ b", text
    )


def test_a_later_file_replaces_the_earlier_one_only_when_asked(cli, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    gus = (PROBLEMS / "submissions" / "gus_invalid.yaml").read_text(encoding="utf-8")
    ada = (PROBLEMS / "submissions" / "ada_correct.yaml").read_text(encoding="utf-8")
    (folder / "a.yaml").write_text(re.sub(r"^student: .*$", "student: s01", gus, flags=re.M), encoding="utf-8")
    (folder / "b.yaml").write_text(ada, encoding="utf-8")
    out = tmp_path / "report.html"
    out.write_text("last week's report\n", encoding="utf-8")

    refused = cli("report", HOMEWORK, folder, "-o", out)
    assert refused.code == 2 and refused.err.count("\n") == 1
    assert refused.err.startswith("nnsolve: error: student 's01' is in two answers files, ")
    assert out.read_text(encoding="utf-8") == "last week's report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class", "report.html"]

    kept = json.loads(cli("report", HOMEWORK, folder, "--json", "--keep-last").out)
    alone = json.loads(cli("report", HOMEWORK, folder / "b.yaml", "--json").out)
    assert kept == alone
    assert kept["students"] == 1 and kept["scores"]["mean"] == 54
    assert kept["attention"]["invalid_items"] == {"count": 0, "students": []}


def test_the_lists_of_students_are_bounded_and_counted(cli, tmp_path, monkeypatch):
    from grader import class_report

    monkeypatch.setattr(class_report, "LISTED_STUDENTS", 3)
    for number in range(5):
        (tmp_path / f"broken{number}.yaml").write_text("student: [unclosed\n", encoding="utf-8")
    page = tmp_path / "report.html"
    assert cli("report", HOMEWORK, tmp_path, "-o", page).code == 0
    report = json.loads(cli("report", HOMEWORK, tmp_path, "--json").out)
    unusable = report["attention"]["unusable_files"]
    assert unusable["count"] == 5 and [s["student"] for s in unusable["students"]] == ["broken0", "broken1", "broken2"]
    assert "not valid YAML" in unusable["students"][0]["reason"]
    text = page.read_text(encoding="utf-8")
    assert "Answers files that could not be used: 5</h3>" in text and "<p>and 2 more.</p>" in text


def test_past_the_bound_on_kinds_of_mistakes_they_are_pooled(cli, monkeypatch):
    from grader import class_report

    monkeypatch.setattr(class_report, "MAX_MISTAKE_KINDS", 1)
    report = json.loads(cli("report", HOMEWORK, *SAMPLES, "--json").out)
    step = next(s for s in report["steps"] if (s["problem"], s["step"]) == ("q10", "dL/db"))
    # two students made two different named mistakes here: the second kind is pooled, still counted
    assert [(m["name"], m["count"]) for m in step["mistakes"]] == [("author_hint", 1), ("other", 1)]
    assert step["counts"]["mistake"] == 2


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ([], "say where the report goes: -o FILE.html (or .json), or --json to print it"),
        (["-o", "{tmp}/report.pdf"], "cannot tell the report's format from"),
        (["-o", "{tmp}/report.html", "--json"], "--json writes JSON, but"),
        (["-o", "{tmp}/no/such/report.html"], "no such directory"),
        (["-o", "{tmp}/report.html", "{tmp}/nothere.yaml"], "no such file or directory"),
        (["-o", "{tmp}/report.html", "--jobs", "0"], "--jobs"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(cli, tmp_path, arguments, says):
    result = cli("report", HOMEWORK, SAMPLES[0], *(a.format(tmp=tmp_path) for a in arguments))
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("nnsolve: error: ") and result.err.count("\n") == 1
    assert says in result.err
    assert list(tmp_path.iterdir()) == []


def test_a_bad_homework_or_no_answers_files_is_one_line(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("not answers", encoding="utf-8")
    none = cli("report", HOMEWORK, tmp_path, "--json")
    assert none.code == 2 and "no answers files found" in none.err
    (tmp_path / "hw.yaml").write_text("title: [\n", encoding="utf-8")
    bad = cli("report", tmp_path / "hw.yaml", SAMPLES[0], "--json")
    assert bad.code == 2 and bad.err.startswith("nnsolve: error: ") and bad.err.count("\n") == 1


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_chromium_renders_the_report(cli, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    make_class(folder, 16)
    hostile = 'student: "<script>alert(1)</script>"\nname: "<img src=x onerror=alert(2)>"\nanswers: {}\n'
    (folder / "hostile.yaml").write_text(hostile, encoding="utf-8")
    page = tmp_path / "report.html"
    assert cli("report", HOMEWORK, folder, "-o", page).code == 0
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)|<[^>]*\b(src|href)=|@import|url\((?!#)", text), "not self-contained"
    dom, shot = _chromium(page, tmp_path)
    histogram, steps = re.findall(r"<svg.*?</svg>", dom, flags=re.S)
    assert histogram.count("<rect") >= 10 and re.search(r'<rect[^>]*height="[1-9]', histogram)
    assert steps.count("<rect") >= 34 + 7  # a bar of at least one colour per asked step, and the legend
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and "<script" not in dom
    assert "Students to look at" in dom and "Submissions that answer nothing: 1" in dom
    assert len(set(_pixels(shot))) > 16, "the screenshot is blank"
