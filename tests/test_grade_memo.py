"""Grading remembers each wrong answer's credit per step; the memo must never mix up two students."""

from __future__ import annotations

import numpy as np
from conftest import PROBLEMS

from grader.answers import submission_from_data
from grader.grading import grade_submission
from grader.homework import load_homework
from grader.mistakes import frozen
from grader.prepare import prepare

HOMEWORK = PROBLEMS / "homework1.yaml"


def test_frozen_tells_apart_what_compares_differently():
    assert frozen(1) != frozen(1.0) != frozen(True)
    assert frozen([1, 2]) != frozen((1, 2))
    assert frozen(np.array([1.0, 2.0])) != frozen(np.array([1.0, 2.0], dtype=np.float32))
    assert frozen(np.array([[1.0, 2.0]])) != frozen(np.array([1.0, 2.0]))
    assert frozen({"a": [1, 2]}) == frozen({"a": [1, 2]})
    assert frozen({"a": {1, 2}}) is None  # a set cannot be a key: then nothing is remembered


def _y_hat(prepared, answers):
    report = grade_submission(prepared, submission_from_data({"student": "s", "answers": {"q7": answers}}, "s", "s"))
    return next(item for item in report.items if (item.problem, item.step) == ("q7", "y_hat"))


def test_the_same_answer_after_other_slips_is_judged_again():
    # y_hat = 4.98013 is right for z1 = [5, 3, 3] (Cleo's slip) and wrong for the true z1 = [5, 3, 2].
    slipped = {"z1": [5, 3, 3], "a1": [0.99991, 0.99505, 0.99505], "y_hat": 4.98013}
    honest = {"z1": [5, 3, 2], "y_hat": 4.98013}
    alone = _y_hat(prepare(load_homework(HOMEWORK)), honest)
    prepared = prepare(load_homework(HOMEWORK))
    first, second = _y_hat(prepared, slipped), _y_hat(prepared, honest)
    assert first.status == "carried_forward"
    assert second.status != "carried_forward"
    assert (second.status, second.score, second.feedback) == (alone.status, alone.score, alone.feedback)
    again = _y_hat(prepared, slipped)  # from the memo now
    assert (again.status, again.score, again.feedback) == (first.status, first.score, first.feedback)
