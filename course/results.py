"""A graded cohort as the instructor's report reads it, from the files grading leaves behind.

- ``gradebook.db``: the points of every autograded test cell (what nbgrader recorded);
- ``source/<id>/<id>.ipynb``: each chapter's tests in notebook order, hidden or visible;
- ``reports/grading.json``: each submission's status, grading time and reasons for a look;
- ``autograded/<student>/<id>/<id>.ipynb``: what each failing test cell printed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from .gradebook import Gradebook

from .failures import Failure, failure_of, not_run
from .grade import load_previous
from .grading import COURSE_ID
from .notebooks import HIDDEN_BEGIN, is_test_cell
from .review_list import needs_look

_TEST_NAME = re.compile(r"^test_(?P<answer>.+?)_(?P<kind>visible|hidden)$")


@dataclass(frozen=True)
class Test:
    """An autograded test cell: its grade id, the answer it tests, hidden or not, its points."""

    name: str
    answer: str
    hidden: bool
    points: float


@dataclass
class Submission:
    """One student's graded notebook of one chapter.

    ``scores`` maps each test's grade id to ``(points earned, points possible)``; ``failures``
    maps each test that lost points to what its cell printed. ``seconds`` is the grading
    wall time, ``None`` when ``grading.json`` does not know the submission.
    """

    student: str
    chapter: str
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    status: str = "graded"
    seconds: float | None = None
    reason: str = ""
    needs_review: list[str] = field(default_factory=list)

    @property
    def points(self) -> tuple[float, float]:
        """(points earned, points possible) over the autograded tests."""
        earned, possible = zip(*self.scores.values()) if self.scores else ((), ())
        return float(sum(earned)), float(sum(possible))

    @property
    def score(self) -> float:
        return self.points[0]

    @property
    def max_score(self) -> float:
        return self.points[1]

    @property
    def fraction(self) -> float:
        """Points earned over points possible, in [0, 1] (0 when nothing could be earned)."""
        return self.score / self.max_score if self.max_score else 0.0

    def passed(self, test: str) -> bool:
        score, full = self.scores.get(test, (0.0, 1.0))
        return score >= full

    @property
    def needs_look(self) -> bool:
        """Whether a human should look before trusting the score."""
        return needs_look(self)


@dataclass
class Results:
    """Every submission of every chapter, and each chapter's tests in notebook order."""

    tests: dict[str, list[Test]] = field(default_factory=dict)  # chapter -> tests
    submissions: dict[tuple[str, str], Submission] = field(default_factory=dict)  # (student, chapter)
    outcomes: bool = False  # whether reports/grading.json was there (statuses, times, reviews)

    @property
    def chapters(self) -> list[str]:
        return sorted(self.tests)

    @property
    def students(self) -> list[str]:
        return sorted({s for s, _ in self.submissions})

    def of_chapter(self, chapter: str) -> list[Submission]:
        """The chapter's submissions, the highest score first (then by student id)."""
        found = [s for (_, c), s in self.submissions.items() if c == chapter]
        return sorted(found, key=lambda s: (-s.score, s.student))

    def total(self, student: str) -> tuple[float, float]:
        """(points earned, points possible) over the chapters the student submitted."""
        mine = [s for (who, _), s in self.submissions.items() if who == student]
        return sum(s.score for s in mine), sum(s.max_score for s in mine)


def short_labels(chapters: list[str]) -> list[str]:
    """Column labels: each id's prefix before its first "_" ("ch07"), when these are distinct."""
    prefixes = [chapter.split("_")[0] for chapter in chapters]
    return prefixes if len(set(prefixes)) == len(prefixes) else chapters


def read_results(root: Path) -> Results:
    """The cohort graded in the course folder ``root`` (see the module's docstring).

    Raises ``FileNotFoundError`` when ``root`` has no ``gradebook.db``."""
    if not (root / "gradebook.db").exists():
        raise FileNotFoundError(f"no gradebook.db in {root}: grade the submissions first")
    results = Results()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        for assignment in gb.assignments:
            submissions = assignment.submissions
            if not submissions:
                continue
            for submission in submissions:
                scores = {grade.name: (float(grade.score or 0.0), float(grade.max_score))
                          for notebook in submission.notebooks for grade in notebook.grades
                          if grade.cell_type == "code"}  # written answers are graded by hand
                results.submissions[submission.student.id, assignment.name] = Submission(
                    submission.student.id, assignment.name, scores)
            results.tests[assignment.name] = chapter_tests(root, assignment.name, results)
    _add_outcomes(root, results)
    _add_failures(root, results)
    return results


def chapter_tests(root: Path, chapter: str, results: Results) -> list[Test]:
    """The chapter's test cells in notebook order, from its source notebook; without one, the
    grade ids the gradebook knows, sorted, hidden when named ``test_<answer>_hidden``."""
    source = root / "source" / chapter / f"{chapter}.ipynb"
    if source.exists():
        cells = [c for c in nbformat.read(source, as_version=4).cells if is_test_cell(c)]
        return [_test(c.metadata["nbgrader"]["grade_id"], float(c.metadata["nbgrader"].get("points") or 0),
                      HIDDEN_BEGIN in c.source) for c in cells]
    points = {}
    for submission in results.submissions.values():
        if submission.chapter == chapter:
            points |= {name: full for name, (_, full) in submission.scores.items()}
    return [_test(name, full, name.endswith("_hidden")) for name, full in sorted(points.items())]


def _test(name: str, points: float, hidden: bool) -> Test:
    match = _TEST_NAME.match(name)
    return Test(name, match["answer"] if match else name, hidden, points)


def _add_outcomes(root: Path, results: Results) -> None:
    """Status, grading time and review notes from ``reports/grading.json``, when it exists."""
    outcomes = load_previous(root)
    results.outcomes = bool(outcomes)
    for key, outcome in outcomes.items():
        submission = results.submissions.get(key)
        if submission is None:  # graded once, since removed from the gradebook
            continue
        submission.status = outcome.status
        submission.seconds = outcome.seconds
        submission.reason = outcome.reason
        submission.needs_review = list(outcome.needs_review)


def _add_failures(root: Path, results: Results) -> None:
    """What each test cell that lost points printed, from the autograded notebooks."""
    for (student, chapter), submission in results.submissions.items():
        lost = {name for name in submission.scores if not submission.passed(name)}
        graded = root / "autograded" / student / chapter / f"{chapter}.ipynb"
        if lost and graded.exists():
            for cell in nbformat.read(graded, as_version=4).cells:
                name = cell.metadata.get("nbgrader", {}).get("grade_id")
                if name in lost and is_test_cell(cell):
                    submission.failures[name] = failure_of(cell)
        for name in lost - set(submission.failures):  # no graded notebook, or a test cell lost
            submission.failures[name] = not_run(submission.reason or "no graded notebook")
