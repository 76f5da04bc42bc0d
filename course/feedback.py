"""Feedback for students: nbgrader's HTML of each graded notebook, without the hidden tests.

``nbgrader generate_feedback`` shows every cell as graded, hidden tests and their tracebacks
included. :class:`HideHiddenTests`, registered for ``GenerateFeedback`` in
``nbgrader_config.py``, runs before the HTML export: in each test cell it replaces the hidden
region by a note and reduces the cell's outputs to the exception's type and message (the check
helpers' messages say what was checked, expected and returned, with a hint).
"""
from __future__ import annotations

import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .nbgrader_run import run_nbgrader
from .notebooks import HIDDEN_BEGIN, HIDDEN_END, chapters

HIDDEN_REGION = re.compile(rf"^[ \t]*{re.escape(HIDDEN_BEGIN)}.*?^[ \t]*{re.escape(HIDDEN_END)}[ \t]*$",
                           flags=re.S | re.M)
HIDDEN_NOTE = "# (hidden tests: not shown; the message below says what they found)"


def is_hidden_test_cell(cell) -> bool:
    """A test cell (graded, not an answer) holding a hidden-tests region."""
    meta = cell.metadata.get("nbgrader", {})
    return (cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")
            and HIDDEN_BEGIN in cell.source)


def hide_hidden_tests(cell) -> None:
    """Replace the hidden region of a test cell by a note, and its outputs by the bare error."""
    cell.source = HIDDEN_REGION.sub(HIDDEN_NOTE, cell.source)
    cell.outputs = [_bare_error(out) for out in cell.outputs if out.get("output_type") == "error"]


def _bare_error(output):
    """An error output whose traceback is only ``Type: message`` (no frame, no source line)."""
    output.traceback = [f"{output.ename}: {output.evalue}"]
    return output


class HideHiddenTests(Preprocessor):
    """nbconvert preprocessor applying :func:`hide_hidden_tests` to every hidden-test cell."""

    enabled = Bool(True, help="nbconvert skips preprocessors not enabled").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if is_hidden_test_cell(cell):
            hide_hidden_tests(cell)
        return cell, resources


def generate_feedback(root: Path, assignments: list[str] | None = None) -> list[Path]:
    """Run ``nbgrader generate_feedback`` for every assignment with graded notebooks in the
    course at ``root`` (or those named); the feedback files written, one HTML per student and
    notebook under ``feedback/<student>/<assignment>/``."""
    every = [c.id for c in chapters(root)]
    present = [a for a in assignments or every if any((root / "autograded").glob(f"*/{a}/*.ipynb"))]
    # nbgrader takes the assignment id as a glob: one run (one start-up) when every chapter is asked for.
    for pattern in ["*"] if present and not assignments else present:
        run_nbgrader(root, "generate_feedback", pattern, "--force")
    return [path for a in present for path in sorted((root / "feedback").glob(f"*/{a}/*.html"))]
