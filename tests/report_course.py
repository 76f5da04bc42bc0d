"""A graded course for the report and export tests: chapter 1, the demo cohort (``course
cohort``) plus ``kim`` and ``lou`` (right answers but two different wrong ``mse``), graded by ``course grade`` with real nbgrader, with
feedback written; and one unfair test planted in the course's copy of the source.

The planted check demands the exact float 0.025 from ``mse`` of two short arrays, which right
code computes as 0.024999999999999998: a test that fails right answers, as a tolerance set
too tight does. Students whose only fault is then that test are what the report must flag.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from course.cohort import make_cohort, submissions
from course.feedback import generate_feedback
from course.grade import grade_submissions
from course.grading import replace_answer, submit
from course.notebooks import HIDDEN_END, find_chapters
from tests.conftest import ROOT
from tests.warm_workers import warm_workers

CHAPTER = "ch01_linear_regression"
UNFAIR_TEST = "test_mse_hidden"
UNFAIR_CHECK = ('check_close("mse of [0.1, 0.2] and [0.3, 0.1]", mse(np.array([0.1, 0.2]), '
                'np.array([0.3, 0.1])), 0.025, rtol=0, atol=0, hint="exactly 0.025")\n')
# Two wrong mse of our own, which the report must group as one kind although their numbers
# differ; the cohort's own picks change whenever the catalogue grows.
WRONG_MSE = {
    "kim": "def mse(y_true, y_pred):\n    return float(np.sum((y_true - y_pred) ** 2))\n",
    "lou": "def mse(y_true, y_pred):\n    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))\n",
}
# hana's infinite loop is stopped sooner than by the course's 30 s; on a busy machine the
# first cell alone (NumPy, matplotlib) may take more than 5 s.
CELL_TIMEOUT = 15


def plant_unfair_check(source: Path) -> None:
    """Add :data:`UNFAIR_CHECK` to the hidden region of :data:`UNFAIR_TEST` in ``source``."""
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == UNFAIR_TEST)
    assert HIDDEN_END in cell.source
    cell.source = cell.source.replace(HIDDEN_END, UNFAIR_CHECK + HIDDEN_END)
    nbformat.write(nb, source)


def graded_course(root: Path) -> Path:
    """Build the graded course described above in the empty folder ``root``; ``root``."""
    config = (ROOT / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(config + f"\nc.Execute.timeout = {CELL_TIMEOUT}\n")
    for folder in ["source", "release"]:
        shutil.copytree(ROOT / folder / CHAPTER, root / folder / CHAPTER)
    plant_unfair_check(root / "source" / CHAPTER / f"{CHAPTER}.ipynb")
    make_cohort(root, [CHAPTER])
    right = submissions(find_chapters(root, [CHAPTER])[0])["ada"]
    for student, code in WRONG_MSE.items():
        submit(root, student, CHAPTER, replace_answer(right, "mse", code))
    grade_submissions(root, executor=warm_workers(), progress=False)
    generate_feedback(root)
    return root
