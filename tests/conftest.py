"""Shared fixtures: the project's root, its chapters; each test's xdist group."""
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


# The chapters' cohorts are the suite's longest work: each gets an xdist group of its own, so
# that `--dist loadgroup` spreads them over the workers.
PER_CHAPTER_GROUPS = {"test_grading_chapters.py"}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """Give each test an ``xdist_group``: its module (what ``--dist loadfile`` did), or for
    the modules in ``PER_CHAPTER_GROUPS`` its chapter, so that one chapter's tests share one
    worker and its cached cohort."""
    for item in items:
        if any(item.iter_markers("xdist_group")):
            continue
        group = item.nodeid.split("::")[0]
        chapter = item.callspec.params.get("chapter") if hasattr(item, "callspec") else None
        if item.path.name in PER_CHAPTER_GROUPS and chapter is not None:
            group = f"{group}::{chapter.id}"
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def root():
    return ROOT
