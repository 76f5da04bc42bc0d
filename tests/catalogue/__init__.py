"""Catalogues of student answers, per chapter: realistic mistakes and right-but-different code.

Each chapter's module defines ``WRONG`` and ``RIGHT``, lists of ``Variant``. A variant replaces
the whole source of one answer cell (the cell whose nbgrader ``grade_id`` is ``answer``) in the
solution notebook; the test suite submits every variant of a chapter as one student of a cohort
and grades the cohort with real ``nbgrader autograde``. A WRONG variant must lose points in the
test cells ``test_<answer>_visible`` / ``test_<answer>_hidden``; a RIGHT one must keep every
autograded point of the notebook.
"""
from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class Variant:
    answer: str   # grade_id of the answer cell the code replaces
    name: str     # what the variant does, in words (shown when a test fails)
    code: str     # the new source of that cell


def load(chapter_id: str):
    """The (WRONG, RIGHT) lists of a chapter's catalogue."""
    module = import_module(f"tests.catalogue.{chapter_id}")
    return module.WRONG, module.RIGHT
