"""Shared fixtures: the project's root and its chapters."""
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from course.notebooks import chapters  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = chapters(ROOT)
CHAPTER_IDS = [c.id for c in CHAPTERS]


def per_chapter():
    """Parametrize a test by chapter."""
    return pytest.mark.parametrize("chapter", CHAPTERS, ids=CHAPTER_IDS)


@pytest.fixture(scope="session")
def root():
    return ROOT
