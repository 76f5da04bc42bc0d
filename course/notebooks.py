"""Source notebooks: their text twins, nbgrader metadata, and checks on both.

Each chapter is authored once, as a jupytext "percent" script next to its notebook,
``source/<id>/<id>.pct.py``. That file is the single source of truth: ``course sync`` writes
``source/<id>/<id>.ipynb`` from it, and ``course check`` fails when the two disagree.

A cell's nbgrader metadata may be written in short form in the script; the defaults of
nbgrader's schema 3 are filled in here, so the script says only what matters:

    # %% nbgrader={"solution": true, "grade_id": "ols_fit"}                  answer cell
    # %% nbgrader={"grade": true, "grade_id": "test_ols_fit_visible", "points": 1}   test cell
    # %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_ridge", "points": 2}
    # %% nbgrader={"locked": true, "grade_id": "setup"}                        read-only cell
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import jupytext
import nbformat

from .execution import NotebookClient

SCHEMA_VERSION = 3
EXECUTION_BUDGET_S = 15.0  # a chapter's solution notebook, top to bottom, on two cores
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
TEXT_SUFFIX = ".pct.py"

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


class NotebookError(Exception):
    """A source notebook or its text twin is malformed; the message says where and why."""


@dataclass(frozen=True)
class Chapter:
    """One assignment: its id and the paths of its files inside a course folder."""

    id: str
    root: Path

    @property
    def text(self) -> Path:
        return self.root / "source" / self.id / f"{self.id}{TEXT_SUFFIX}"

    @property
    def source(self) -> Path:
        return self.root / "source" / self.id / f"{self.id}.ipynb"

    @property
    def release(self) -> Path:
        return self.root / "release" / self.id / f"{self.id}.ipynb"

    @property
    def solution(self) -> Path:
        return self.root / "solutions" / self.id / f"{self.id}.ipynb"


CHAPTER_PATTERN = re.compile(r"^ch\d\d_[a-z0-9_]+$")


def chapters(root: Path) -> list[Chapter]:
    """The chapters present under ``root/source``, in order."""
    folders = sorted(p for p in (root / "source").iterdir() if p.is_dir() and CHAPTER_PATTERN.match(p.name))
    return [Chapter(p.name, root) for p in folders]


def find_chapters(root: Path, wanted: list[str] | None) -> list[Chapter]:
    """The chapters named in ``wanted`` (all when empty); unknown names raise ``NotebookError``."""
    present = chapters(root)
    if not wanted:
        return present
    by_id = {c.id: c for c in present}
    unknown = [w for w in wanted if w not in by_id]
    if unknown:
        raise NotebookError(f"unknown chapter {', '.join(unknown)}; present: {', '.join(by_id) or 'none'}")
    return [by_id[w] for w in wanted]


def full_metadata(short: dict) -> dict:
    """nbgrader schema-3 metadata from the short form written in a text twin."""
    grade, solution = bool(short.get("grade", False)), bool(short.get("solution", False))
    meta = {
        "grade": grade,
        "grade_id": short.get("grade_id"),
        # Test cells and instructor cells are locked; answers are the student's to edit.
        "locked": bool(short.get("locked", grade and not solution)),
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": bool(short.get("task", False)),
    }
    if grade or meta["task"]:
        meta["points"] = short.get("points")
    unknown = set(short) - set(meta)
    if unknown:
        raise NotebookError(f"cell {meta['grade_id']!r}: unknown nbgrader keys {sorted(unknown)}")
    if not meta["grade_id"]:
        raise NotebookError(f"an nbgrader cell lacks a grade_id: {short}")
    return meta


def notebook_from_text(text: str, name: str = "text twin") -> nbformat.NotebookNode:
    """The notebook a percent-format text twin describes, with full nbgrader metadata."""
    try:
        parsed = jupytext.reads(text, fmt="py:percent")
    except Exception as error:  # jupytext raises several types for malformed cell headers
        raise NotebookError(f"{name}: cannot parse the percent-format cells: {error}") from error
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for parsed_cell in parsed.cells:
        source = parsed_cell.source
        meta = {}
        if "incorrectly_encoded_metadata" in parsed_cell.metadata:
            raise NotebookError(f"{name}: cannot read the cell header "
                                f"{parsed_cell.metadata['incorrectly_encoded_metadata']!r}: "
                                f"nbgrader metadata must be a JSON object")
        if "nbgrader" in parsed_cell.metadata:
            if not isinstance(parsed_cell.metadata["nbgrader"], dict):
                raise NotebookError(f"{name}: nbgrader metadata must be a JSON object: "
                                    f"{parsed_cell.metadata['nbgrader']!r}")
            meta["nbgrader"] = full_metadata(parsed_cell.metadata["nbgrader"])
        if parsed_cell.cell_type == "markdown":
            cell = nbformat.v4.new_markdown_cell(source, metadata=meta)
        else:
            cell = nbformat.v4.new_code_cell(source, metadata=meta)
        # Stable ids keep the committed notebook identical from one sync to the next.
        cell.id = f"cell-{len(nb.cells):03d}"
        nb.cells.append(cell)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    """A notebook as the exact text written to disk."""
    return nbformat.writes(nb) + "\n"


def generated_source(chapter: Chapter) -> str:
    """The text of the source notebook that the chapter's text twin generates, with chapter
    4's reference code in its ``reference_ch04`` cells (see ``course.reference``)."""
    from .reference import fill_reference_cells  # imported here: reference.py builds on this module

    if not chapter.text.exists():
        raise NotebookError(f"{chapter.id}: no text twin {chapter.text.name}")
    nb = notebook_from_text(chapter.text.read_text(), chapter.text.name)
    fill_reference_cells(nb, chapter.root)
    return render(nb)


def sync(chapter: Chapter) -> bool:
    """Write the chapter's source notebook from its text twin; True when it changed."""
    wanted = generated_source(chapter)
    if chapter.source.exists() and chapter.source.read_text() == wanted:
        return False
    chapter.source.write_text(wanted)
    return True


def in_step(chapter: Chapter) -> bool:
    """Whether the committed source notebook is exactly what its text twin generates."""
    return chapter.source.exists() and chapter.source.read_text() == generated_source(chapter)


def nbgrader_cells(nb) -> list:
    """The cells carrying nbgrader metadata, in notebook order."""
    return [c for c in nb.cells if "nbgrader" in c.metadata]


def grade_cells(nb) -> list:
    """Cells that carry points (autograded tests and manually graded answers)."""
    return [c for c in nbgrader_cells(nb) if c.metadata["nbgrader"].get("grade")]


def is_test(meta: dict) -> bool:
    """Whether a cell's nbgrader metadata marks a test cell (graded, not an answer)."""
    return bool(meta.get("grade")) and not meta.get("solution")


def is_test_cell(cell) -> bool:
    """An autograded test cell: code whose nbgrader metadata marks a test."""
    return cell.cell_type == "code" and is_test(cell.metadata.get("nbgrader", {}))


def autograded_points(nb) -> float:
    """Points nbgrader can award by itself: test cells, not manually graded answers."""
    return float(sum(c.metadata["nbgrader"].get("points") or 0 for c in nb.cells if is_test_cell(c)))


class Execution(NamedTuple):
    """An executed notebook, its wall time (kernel start included), the CPU time its kernel
    used (every thread; unlike wall time, hardly changed by other work on a busy machine), and
    the lost kernel messages recovered on the way (``course.execution``)."""

    nb: nbformat.NotebookNode
    seconds: float
    cpu_seconds: float
    recovered: list[dict]


# Appended to the executed copy, then removed: the kernel reports its own CPU time.
_CPU_PROBE = "import os as _os; _t = _os.times(); print(_t.user + _t.system)"


def execute(path: Path, timeout: float = 120) -> Execution:
    """Run a notebook top to bottom in a fresh kernel, in its own folder, as "Restart and
    Run All" does; ``timeout`` is the per-cell limit in seconds."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_CPU_PROBE))
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    seconds = time.perf_counter() - start
    probe = nb.cells.pop()
    return Execution(nb, seconds, float(probe.outputs[0]["text"]), client.recovered)
