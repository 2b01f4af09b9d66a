"""Grading a class: each student read and graded as the batch goes, on every core, in the order given.

One student's file never stops the class: whatever goes wrong while reading or
grading it (any exception, even a worker process that dies) makes that
student's items ``invalid`` with a one-line reason, and the others are graded.

Workers are forked processes that inherit the prepared homework; each grades
in its own main thread, so that SymPy's time limit (a signal) holds there too.
Only a bounded number of chunks is in flight, so memory does not grow with the
class, and reports come back in the order of the files.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from grader.answers import MAX_NAME, Submission, read_submission
from grader.grading import grade_submission
from grader.prepare import PreparedHomework
from grader.report import StudentReport

#: Fewest students worth a worker process of its own (forking one costs a few students' grading).
STUDENTS_PER_WORKER = 16
#: Students sent to a worker at a time.
CHUNK = 16
#: Chunks in flight per worker: enough to keep every worker busy, few enough to bound memory.
CHUNKS_AHEAD = 4

_prepared: PreparedHomework | None = None


def grade_path(prepared: PreparedHomework, path: Path) -> StudentReport:
    """The report of one answers file; never raises, whatever the file holds."""
    submission = None
    try:
        submission = read_submission(path)
        return grade_submission(prepared, submission)
    except Exception as error:  # one student's file must never stop the class
        return unusable_report(prepared, path, f"internal error ({type(error).__name__}) while grading", submission)


def unusable_report(
    prepared: PreparedHomework, path: Path, reason: str, submission: Submission | None = None
) -> StudentReport:
    """Every item invalid for ``reason``, under the student's id if it was read."""
    who = submission or Submission(path.stem[:MAX_NAME], "", str(path))
    return grade_submission(prepared, replace(who, answers={}, problem=reason))


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_count(jobs: int | None, students: int) -> int:
    """Workers for a class: ``jobs`` (default every core), no more than the class keeps busy."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1  # workers inherit the prepared homework by forking
    wanted = jobs or available_cores()
    return max(1, min(wanted, math.ceil(students / STUDENTS_PER_WORKER)))


def grade_class(prepared: PreparedHomework, paths: list[Path], jobs: int | None = None) -> Iterator[StudentReport]:
    """Reports of ``paths``, in their order, graded by ``jobs`` workers (default: every core)."""
    # The prepared homework lives as long as the process: frozen, the garbage collector no longer
    # walks it again and again as students' reports come and go (nor touches the pages forked
    # workers share with this process).
    gc.freeze()
    workers = worker_count(jobs, len(paths))
    if workers == 1:
        return (grade_path(prepared, p) for p in paths)
    return _grade_in_workers(prepared, paths, workers)


def _grade_in_workers(prepared: PreparedHomework, paths: list[Path], workers: int) -> Iterator[StudentReport]:
    chunks = [paths[i : i + CHUNK] for i in range(0, len(paths), CHUNK)]
    next_chunk = 0
    while next_chunk < len(chunks):
        in_flight: deque[tuple[list[Path], Future[list[StudentReport]]]] = deque()
        with _pool(prepared, workers) as pool:
            try:
                while next_chunk < len(chunks) or in_flight:
                    while next_chunk < len(chunks) and len(in_flight) < workers * CHUNKS_AHEAD:
                        in_flight.append((chunks[next_chunk], pool.submit(_grade_chunk, chunks[next_chunk])))
                        next_chunk += 1
                    yield from in_flight[0][1].result()
                    in_flight.popleft()
            except BrokenProcessPool:
                pass
        # A worker died (a crash in a library): the chunks it may have held are graded one
        # file per process, so that only the file that kills its process loses its grade.
        for chunk, _ in in_flight:
            yield from (_grade_alone(prepared, path) for path in chunk)


def _pool(prepared: PreparedHomework, workers: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(prepared,))


def _start_worker(prepared: PreparedHomework) -> None:
    global _prepared
    _prepared = prepared


def _grade_chunk(paths: list[Path]) -> list[StudentReport]:
    assert _prepared is not None, "the worker was started without a homework"
    return [grade_path(_prepared, path) for path in paths]


def _grade_alone(prepared: PreparedHomework, path: Path) -> StudentReport:
    with _pool(prepared, 1) as pool:
        try:
            return pool.submit(_grade_chunk, [path]).result()[0]
        except BrokenProcessPool:
            return unusable_report(prepared, path, "grading this file ended its process abruptly")
