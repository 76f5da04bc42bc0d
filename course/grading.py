"""Grading submissions with real ``nbgrader autograde`` in a course folder of their own.

A *scratch course* is a temporary copy of the course's configuration and sources with its own
gradebook: verification and the test suite grade there, so they never touch the instructor's
gradebook and several can run at once.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from .gradebook import Gradebook, MissingEntry
from .nbgrader_run import generate_assignment, run_nbgrader, seed_gradebook
from .notebooks import Chapter

if TYPE_CHECKING:
    from concurrent.futures import Executor
    from .engine import Graded

COURSE_ID = "dl-ground-up"


@dataclass
class NotebookScores:
    """One student's graded notebook: points per grade cell, and what went wrong."""

    student: str
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)  # grade_id -> (score, max)
    stderr_cells: list[str] = field(default_factory=list)  # test cells that wrote to stderr
    error: str = ""  # why nothing could be graded, when nothing could
    graded: Graded | None = None  # the engine's own result, when grade_notebooks graded it

    @property
    def score(self) -> float:
        return sum(s for s, _ in self.scores.values())

    @property
    def max_score(self) -> float:
        return sum(m for _, m in self.scores.values())

    def points(self, grade_ids) -> tuple[float, float]:
        """(score, max) summed over the named grade cells."""
        picked = [self.scores[g] for g in grade_ids if g in self.scores]
        return sum(s for s, _ in picked), sum(m for _, m in picked)


def scratch_course(root: Path, chapters: list[Chapter], dest: Path) -> Path:
    """A fresh course folder at ``dest`` with ``root``'s config and the chapters' sources,
    each assignment generated, so its gradebook knows every grade cell."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(root / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.rmtree(dest / "source", ignore_errors=True)
    for chapter in chapters:
        shutil.copytree(chapter.source.parent, dest / "source" / chapter.id)
    # One generation for all of them (each costs nbgrader's set-up of the course and the gradebook):
    # the assignment id is a glob, and source/ holds exactly these chapters.
    seed_gradebook(dest / "gradebook.db")
    generate_assignment(dest, "*")
    return dest


def submit(course: Path, student: str, chapter_id: str, nb) -> Path:
    """Place a notebook (a NotebookNode or a path) as ``student``'s submission."""
    folder = course / "submitted" / student / chapter_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chapter_id}.ipynb"
    if isinstance(nb, (str, Path)):
        shutil.copy(nb, path)
    else:
        nbformat.write(nb, path)
    return path


def autograde(course: Path, chapter_id: str) -> dict[str, NotebookScores]:
    """Autograde every submission of one chapter in one nbgrader run, and read each
    student's scores back from the gradebook."""
    submitted = course / "submitted"
    students = sorted(p.name for p in submitted.iterdir() if (p / chapter_id).is_dir())
    log = run_nbgrader(course, "autograde", chapter_id, "--force", strict=False)
    results = {s: read_scores(course, chapter_id, s, log) for s in students}
    # A notebook nbgrader could not grade at all gets one more try on its own: the cause may
    # be the machine's, not the student's (a kernel that failed to start while others did).
    for student in [s for s, r in results.items() if r.error]:
        log = run_nbgrader(course, "autograde", chapter_id, "--student", student, "--force", strict=False)
        results[student] = read_scores(course, chapter_id, student, log)
    return results


def read_scores(course: Path, chapter_id: str, student: str, log: str = "",
                db: Path | None = None) -> NotebookScores:
    """A student's scores from the gradebook (``db``, by default the course's) and stderr
    output from the autograded notebook."""
    result = NotebookScores(student)
    with Gradebook(f"sqlite:///{db or course / 'gradebook.db'}", COURSE_ID) as gb:
        try:
            submission = gb.find_submission_notebook(chapter_id, chapter_id, student)
        except MissingEntry:
            result.error = _failure_reason(log, student) or "not graded (no submission found)"
            return result
        for grade in submission.grades:
            if grade.cell_type == "code":  # manually graded answers are not the autograder's
                result.scores[grade.name] = (float(grade.score or 0.0), float(grade.max_score))
    graded = course / "autograded" / student / chapter_id / f"{chapter_id}.ipynb"
    if graded.exists():
        result.stderr_cells = stderr_test_cells(nbformat.read(graded, as_version=4))
    else:  # nbgrader records zeros for a notebook it could not even execute
        result.error = _failure_reason(log, student) or "nbgrader could not grade this notebook"
    return result


def _failure_reason(log: str, student: str) -> str:
    """nbgrader's own words on why it could not grade ``student``'s notebook, if it said."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if "ERROR" in line and f"student '{student}'" in line:
            detail = [l.strip() for l in lines[max(0, i - 3):i] if l.strip() and "ERROR] There was" not in l]
            return "; ".join(detail[-2:] + [line.split("ERROR]")[-1].strip()])
    return ""


def stderr_test_cells(nb) -> list[str]:
    """Grade ids of the test cells that wrote to stderr (nbgrader scores those zero)."""
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in cell.outputs):
                found.append(meta["grade_id"])
    return found


def grade_notebooks(root: Path, chapter: Chapter, submissions: dict[str, object], workdir: Path,
                    jobs: int = 1, notebook_timeout: float = 300.0, course: Path | None = None,
                    executor: Executor | None = None) -> tuple[dict[str, NotebookScores], float]:
    """Grade ``submissions`` (student -> notebook, a NotebookNode or a path) of one chapter as
    they are (no intake repairs), through ``course grade``'s engine: ``jobs`` warm workers
    running nbgrader's autograde steps (``course.engine``), or the workers of ``executor``
    (kept for later calls: ``course.grade.local_pool``). The assignment is generated in a
    scratch course under ``workdir``, unless ``course`` is one already made for this chapter
    (:func:`scratch_course`; generating costs an nbgrader run). Returns the scores and the
    seconds grading took."""
    from .engine import Task, load_settings, read_template
    from .grade import run_tasks  # course.grade imports this module

    course = course or scratch_course(root, [chapter], workdir / "template")
    settings = load_settings(course, notebook_timeout)
    ignore = list(settings.config.CourseDirectory.get("ignore", []))
    template = read_template(course / "gradebook.db", chapter.id, course / "source" / chapter.id, ignore)
    tasks = [Task(student, chapter.id, Path(nb).read_bytes() if isinstance(nb, (str, Path))
                  else nbformat.writes(nb).encode("utf-8")) for student, nb in submissions.items()]
    zeros = {name: (0.0, float(top)) for nb in template.notebooks for name, top, kind in nb.grade_cells if kind == "code"}
    start = time.perf_counter()
    results: dict[str, NotebookScores] = {}
    for task, graded in run_tasks(tasks, {chapter.id: template}, settings, executor, None, jobs):
        result = results[task.student] = NotebookScores(task.student, graded=graded)
        if graded.notebook is None or graded.stopped:
            result.scores = dict(zeros)  # as nbgrader records a notebook it could not grade
            result.error = graded.error or f"stopped at the notebook's time budget ({notebook_timeout:g} s)"
        else:
            result.scores = graded.scores
            result.stderr_cells = stderr_test_cells(nbformat.reads(graded.notebook.decode("utf-8"), as_version=4))
    return results, time.perf_counter() - start


def replace_answer(nb, answer_id: str, code: str):
    """A copy of ``nb`` with the answer cell ``answer_id`` holding ``code``: a student's version."""
    copy = nbformat.from_dict(nb)
    cells = [c for c in copy.cells if c.metadata.get("nbgrader", {}).get("grade_id") == answer_id]
    if len(cells) != 1:
        raise KeyError(f"no single answer cell {answer_id!r} in the notebook")
    cells[0].source = code.strip("\n")
    return copy
