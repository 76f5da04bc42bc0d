"""Who needs a human look, and why: grading's reasons grouped by student, each reason once.

Grading writes each submission's reasons as sentences (``reports/grading.json``); many name
the cell they concern, and the same reason often recurs in several cells and chapters of one
student (a cheating student does it everywhere). Here each reason is split from its cell,
and a student's reasons are merged: one line per reason, with every place it occurs.

Reasons look like (``course.grade`` and ``course.review`` write them)::

    answer cell 'mse' line 3: opens a file
    cell gradient_descent raised SyntaxError: invalid syntax (1749714653.py, line 29)
    cell design_matrix was stopped at the per-cell time limit
    test cell test_mse_visible wrote to stderr (nbgrader scores it zero)
    cell 'test_mse_visible' appears 2 times (graded once)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .failures import mask_numbers

# (pattern, how the reason reads once its cell is taken out); the first match wins.
_PLACES = [
    (re.compile(r"^answer cell '(?P<cell>[^']+)' line (?P<line>\d+): (?P<what>.+)$", re.S), "{what}"),
    (re.compile(r"^test cell (?P<cell>\S+) (?P<what>wrote to stderr.*)$", re.S), "{what}"),
    (re.compile(r"^cell '(?P<cell>[^']+)' (?P<what>.+)$", re.S), "{what}"),
    (re.compile(r"^cell (?P<cell>\S+) (?P<what>(?:raised|was) .+)$", re.S), "{what}"),
]


def needs_look(outcome) -> bool:
    """Whether a human should look at a graded submission before trusting its score: it has
    review notes, or grading did not end normally (any object with ``status`` and
    ``needs_review``, such as ``course.grade.GradeOutcome``)."""
    return bool(outcome.needs_review) or outcome.status not in ("graded", "unchanged")


@dataclass(frozen=True)
class Place:
    """Where a reason applies: a chapter, and the cell (grade id or ``#index``) and line if known."""

    chapter: str
    cell: str = ""
    line: int | None = None


def split_reason(text: str) -> tuple[str, str, int | None]:
    """``(reason without its cell, cell, line)``; cell ``""`` and line ``None`` when the
    reason names no cell (``"the kernel died"``)."""
    for pattern, shape in _PLACES:
        match = pattern.match(text.strip())
        if match:
            line = match.groupdict().get("line")
            return shape.format(what=match["what"]), match["cell"], int(line) if line else None
    return text.strip(), "", None


@dataclass
class Reason:
    """One reason a student's work needs a look, and every place it occurs."""

    text: str
    places: list[Place] = field(default_factory=list)

    def cells(self, chapter: str) -> list[str]:
        """The cells of ``chapter`` this reason concerns, each once, lines joined:
        ``["polynomial_features (lines 8, 9)"]``."""
        lines: dict[str, list[int]] = {}
        for place in self.places:
            if place.chapter == chapter and place.cell:
                lines.setdefault(place.cell, [])
                if place.line is not None and place.line not in lines[place.cell]:
                    lines[place.cell].append(place.line)
        return [cell + (f" (line{'s' if len(ls) > 1 else ''} {', '.join(map(str, ls))})" if ls else "")
                for cell, ls in lines.items()]

    @property
    def chapters(self) -> list[str]:
        return list(dict.fromkeys(p.chapter for p in self.places))


def student_reasons(flagged: list[tuple[str, list[str]]]) -> list[Reason]:
    """One student's reasons from ``(chapter, reasons)`` pairs, merged: reasons that differ
    only in their cell, line or numbers (a file name, a line in a message) are one reason."""
    merged: dict[str, Reason] = {}
    for chapter, texts in flagged:
        for text in texts:
            what, cell, line = split_reason(text)
            reason = merged.setdefault(mask_numbers(what), Reason(what))
            reason.places.append(Place(chapter, cell, line))
    return list(merged.values())
