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


# The scopes (`--dist loadscope`: a module, or a class) of more than about 20 s, longest first
# (`make test` prints the slowest tests). xdist hands scopes out by their number of tests, most
# first (its default `--loadscope-reorder`), and in collection order among scopes of as many
# tests, which this sets: of the chapters' catalogues (five long tests each) the longest start
# first. (Handing every scope out in this order, `--no-loadscope-reorder`, ran the long scopes
# side by side and the suite no faster: 14 min 9 s against 13 min 34 to 52 s.)
LONGEST_FIRST = (
    "tests/test_course_grade.py",
    "tests/test_grading_chapters.py::TestCh05ActivationsInit",
    "tests/test_hub.py",
    "tests/test_grading_chapters.py::TestCh06Optimizers",
    "tests/test_grading_chapters.py::TestCh07DropoutEarlyStopping",
    "tests/test_grading_chapters.py::TestCh03LogisticSoftmax",
    "tests/test_course_report.py",
    "tests/test_chapters.py",
    "tests/test_cheating.py",
    "tests/test_grading_chapters.py::TestCh01LinearRegression",
    "tests/test_grading_chapters.py::TestCh02NewtonIrls",
    "tests/test_grading_chapters.py::TestCh04Backprop",
    "tests/test_dask_cluster.py",
    "tests/test_e2e.py",
    "tests/test_course_cli.py",
    "tests/test_lost_messages.py",
    "tests/test_sandbox.py",
    "tests/test_attacks.py",
    "tests/test_packing.py",
    "tests/test_course_release.py",
)


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        return next((i for i, scope in enumerate(LONGEST_FIRST) if item.nodeid.startswith(scope + "::")),
                    len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: each scope's tests keep their order
