"""Shared fixtures: the project's root, its chapters, and one graded cohort per chapter."""
import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from course.notebooks import chapters  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = chapters(ROOT)
CHAPTER_IDS = [c.id for c in CHAPTERS]


def per_chapter():
    """Parametrize by chapter; xdist keeps one chapter's tests on one worker (--dist loadgroup)."""
    return pytest.mark.parametrize(
        "chapter", [pytest.param(c, id=c.id, marks=pytest.mark.xdist_group(c.id)) for c in CHAPTERS])


@pytest.fixture(scope="session")
def root():
    return ROOT


def pytest_configure(config):
    os.environ.setdefault("MPLBACKEND", "Agg")
