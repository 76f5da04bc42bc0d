"""The course's shared library: what the notebooks import, and nothing a student must write.

Modules
-------
datasets   seeded synthetic sets and scikit-learn's bundled sets, standardised and split
plotting   fits, decision boundaries, loss curves, contour trajectories, histograms
checks     assertion helpers for test cells (expected, got, and a hint)
gradcheck  centred finite differences and gradient checks of ``Module`` objects
nn         the ``Module`` base class of chapter 4 (no layers: those are the exercises)
widgets    the ipywidgets exploration apps, driven by the student's own functions

The library holds no answer to a graded exercise: widgets and checkers receive the
student's functions as arguments.
"""
# Imported first so that `utils.checks` keeps private references to NumPy's functions
# before any student cell can replace them (see the docstring of `utils.checks`).
from . import checks  # noqa: F401

import os as _os


def autograding() -> bool:
    """True while nbgrader executes the notebook (it sets ``NBGRADER_EXECUTION``).

    Notebooks use it to skip what only a person looks at: displaying widgets and drawing
    figures (see ``utils.widgets.show`` and ``utils.plotting.figures_off_while_grading``).
    """
    return "NBGRADER_EXECUTION" in _os.environ

__all__ = ["autograding", "checks", "datasets", "gradcheck", "nn", "plotting", "widgets"]
