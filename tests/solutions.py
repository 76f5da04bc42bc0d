"""The reference answers of a chapter, loaded from its source notebook for oracle tests.

Runs the notebook's read-only code cells (setup, the chapter-4 reference cell of
course/reference.py, given helpers) and its answer cells (with their solutions), in notebook
order, in a fresh namespace; nothing else of the notebook (plots, widgets, tests) runs.
"""
from functools import cache
from pathlib import Path

import nbformat


ROOT = Path(__file__).resolve().parent.parent


@cache
def solution_namespace(chapter_id: str) -> dict:
    nb = nbformat.read(ROOT / "source" / chapter_id / f"{chapter_id}.ipynb", as_version=4)
    namespace = {"__name__": f"solutions_{chapter_id}"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        is_code = cell.cell_type == "code" and not meta.get("grade")
        is_given = meta.get("locked")  # setup, chapter 4's reference cell, given helpers
        if is_code and (is_given or meta.get("solution")):
            exec(compile(cell.source, f"<{chapter_id}:{meta['grade_id']}>", "exec"), namespace)
    return namespace
