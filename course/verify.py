"""`course verify`: the solution earns every autograded point and the blank release none,
under real ``nbgrader autograde``, with no test cell writing to stderr."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .grading import NotebookScores, grade_notebooks
from .notebooks import Chapter, NotebookError, autograded_points


@dataclass
class Verdict:
    chapter: str
    points: float            # autograded points the notebook offers
    solution: NotebookScores
    blank: NotebookScores
    seconds: float           # the autograde run for both submissions

    @property
    def problems(self) -> list[str]:
        found = []
        for who in (self.solution, self.blank):
            if who.error:
                found.append(f"the {who.student} could not be graded: {who.error}")
        if self.solution.score != self.points:
            lost = {g: s for g, s in self.solution.scores.items() if s[0] < s[1]}
            found.append(f"the solution scores {self.solution.score:g} of {self.points:g}; lost in {lost}")
        if self.solution.max_score != self.points:
            found.append(f"the gradebook offers {self.solution.max_score:g} points, the notebook {self.points:g}")
        if self.blank.score != 0:
            passed = [g for g, (s, _) in self.blank.scores.items() if s > 0]
            found.append(f"the blank release scores {self.blank.score:g}: {passed} pass without an answer")
        if self.solution.stderr_cells:
            found.append(f"test cells write to stderr on the solution: {self.solution.stderr_cells}")
        return found


def verify(chapter: Chapter) -> Verdict:
    if not chapter.release.exists():
        raise NotebookError(f"{chapter.id}: no release yet (run `python -m course build {chapter.id}`)")
    source = nbformat.read(chapter.source, as_version=4)
    with tempfile.TemporaryDirectory(prefix=f"verify-{chapter.id}-") as tmp:
        results, seconds = grade_notebooks(chapter.root, chapter,
                                           {"solution": chapter.source, "blank": chapter.release}, Path(tmp))
    return Verdict(chapter.id, autograded_points(source), results["solution"], results["blank"], seconds)
