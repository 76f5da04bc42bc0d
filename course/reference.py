"""Chapter 4's reference layers for the chapters that build on them (5, 6 and 7).

Chapters 5–7 need working ``Linear``, ``ReLU``, ``Sigmoid``, ``Sequential``, losses and
``sgd_step``. Their one source of truth is the answer cells of chapter 4's text twin,
``source/ch04_backprop/ch04_backprop.pct.py``: this module only *reads* that file (it holds no
answer itself). A later chapter's text twin holds a placeholder, a locked cell

    # %% nbgrader={"locked": true, "grade_id": "reference_ch04"}
    # chapter 4's reference layers: written here by `python -m course sync`

and ``course sync`` writes the extracted code into that cell of the generated ``.ipynb``; a
change to chapter 4's answers makes every such notebook out of step until it is synced again
(``course check`` says so). Release such a chapter only after chapter 4's deadline: its
notebook shows chapter 4's answers.
"""
from __future__ import annotations

from pathlib import Path

from .notebooks import SOLUTION_BEGIN, SOLUTION_END, Chapter, NotebookError, notebook_from_text

REFERENCE_CHAPTER = "ch04_backprop"
PLACEHOLDER_ID = "reference_ch04"
ANSWERS = ("Linear", "ReLU", "Sigmoid", "Sequential", "softmax_cross_entropy", "mse_loss", "sgd_step")
HEADER = (
    "# Chapter 4's layers, losses and SGD step, as in chapter 4's model answers: given here so\n"
    "# that this chapter builds on working code. Read-only: run it, nothing to change.\n"
    "import numpy as np\n"
    "\n"
    "from utils.nn import Module\n"
)


def without_solution_delimiters(source: str) -> str:
    """``source`` without its ``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines (the
    solutions between them are kept)."""
    kept = [line for line in source.splitlines() if line.strip() not in (SOLUTION_BEGIN, SOLUTION_END)]
    return "\n".join(kept)


def answer_sources(text: str, name: str = REFERENCE_CHAPTER) -> dict[str, str]:
    """grade_id -> source of every autograded answer cell of a chapter's text twin."""
    nb = notebook_from_text(text, name)
    answers = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            answers[meta["grade_id"]] = cell.source
    return answers


def reference_code(root: Path) -> str:
    """The code of chapter 4's reference answers (``ANSWERS``, in that order) under a
    header, read from the text twin of the course at ``root``."""
    chapter = Chapter(REFERENCE_CHAPTER, root)
    if not chapter.text.exists():
        raise NotebookError(f"{PLACEHOLDER_ID}: chapter 4's text twin {chapter.text} is missing")
    answers = answer_sources(chapter.text.read_text(), chapter.text.name)
    missing = [name for name in ANSWERS if name not in answers]
    if missing:
        raise NotebookError(f"{PLACEHOLDER_ID}: {chapter.text.name} has no answer cell {', '.join(missing)}")
    return HEADER + "\n\n" + "\n\n\n".join(without_solution_delimiters(answers[a]) for a in ANSWERS)


def reference_cells(nb) -> list:
    """The placeholder cells (grade_id ``reference_ch04``) of a notebook."""
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == PLACEHOLDER_ID]


def fill_reference_cells(nb, root: Path) -> None:
    """Write chapter 4's reference code into every placeholder cell of ``nb``, in place."""
    cells = reference_cells(nb)
    if cells:
        code = reference_code(root)
        for cell in cells:
            cell.source = code
