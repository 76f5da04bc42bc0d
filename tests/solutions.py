"""The reference answers of a chapter, loaded from its source notebook for oracle tests.

Runs the notebook's read-only setup cell, its chapter-4 reference cell if it has one (see
course/reference.py) and its answer cells (with their solutions) in a fresh namespace; nothing
else of the notebook (plots, widgets, tests) runs.
"""
from functools import cache
from pathlib import Path

import nbformat

from course.reference import PLACEHOLDER_ID

ROOT = Path(__file__).resolve().parent.parent


@cache
def solution_namespace(chapter_id: str) -> dict:
    nb = nbformat.read(ROOT / "source" / chapter_id / f"{chapter_id}.ipynb", as_version=4)
    namespace = {"__name__": f"solutions_{chapter_id}"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        is_setup = meta.get("grade_id") in ("setup", PLACEHOLDER_ID)
        is_answer = cell.cell_type == "code" and meta.get("solution") and not meta.get("grade")
        if is_setup or is_answer:
            exec(compile(cell.source, f"<{chapter_id}:{meta['grade_id']}>", "exec"), namespace)
    return namespace
