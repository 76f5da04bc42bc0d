"""`course release`: chapters 5–7 (which show chapter 4's answers) reach the exchange only
after chapter 4's due date, unless forced; other chapters at any time. Real nbgrader
(`release_assignment`, `db assignment add`) in a temporary copy of the course."""
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from course.nbgrader_run import run_nbgrader
from course.notebooks import Chapter
from course.release import holds_reference_answers, refusal

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ["ch01_linear_regression", "ch04_backprop", "ch05_activations_init"]


@pytest.fixture
def course(tmp_path):
    """The course's config, sources and releases of three chapters, with no gradebook yet."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    for chapter in CHAPTERS:
        for folder in ("source", "release"):
            shutil.copytree(ROOT / folder / chapter, tmp_path / folder / chapter,
                            ignore=shutil.ignore_patterns("*.pct.py"))
    return tmp_path


def release(root, *args):
    return subprocess.run([sys.executable, "-m", "course", "--root", str(root), "release", *args],
                          capture_output=True, text=True, timeout=300)


def released(root, chapter):
    return (root / ".exchange" / "dl-ground-up" / "outbound" / chapter / f"{chapter}.ipynb").exists()


def set_ch04_due(root, when):
    run_nbgrader(root, "db", "assignment", "add", "ch04_backprop", f"--duedate={when:%Y-%m-%d %H:%M:%S} UTC")


def test_only_the_chapters_after_chapter_4_hold_its_answers():
    found = {c: holds_reference_answers(Chapter(c, ROOT)) for c in
             ["ch01_linear_regression", "ch04_backprop", "ch05_activations_init", "ch06_optimizers",
              "ch07_dropout_early_stopping"]}
    assert found == {"ch01_linear_regression": False, "ch04_backprop": False, "ch05_activations_init": True,
                     "ch06_optimizers": True, "ch07_dropout_early_stopping": True}


def test_chapter_5_waits_for_chapter_4s_due_date(course):
    now = datetime.now(timezone.utc).replace(tzinfo=None)

    refused = release(course, "ch05_activations_init")   # no gradebook, no due date
    assert refused.returncode == 1 and not released(course, "ch05_activations_init")
    assert "ch05_activations_init: not released" in refused.stdout
    assert "has no due date" in refused.stdout and "--force" in refused.stdout

    set_ch04_due(course, now + timedelta(days=3))
    refused = release(course, "ch05_activations_init")
    assert refused.returncode == 1 and not released(course, "ch05_activations_init")
    assert "still ahead" in refused.stdout

    done = release(course, "ch01_linear_regression", "ch04_backprop")  # no order to respect
    assert done.returncode == 0, done.stdout + done.stderr
    assert released(course, "ch01_linear_regression") and released(course, "ch04_backprop")

    set_ch04_due(course, now - timedelta(minutes=5))
    assert refusal(Chapter("ch05_activations_init", course)) == ""
    done = release(course, "ch05_activations_init")
    assert done.returncode == 0, done.stdout + done.stderr
    assert released(course, "ch05_activations_init") and "released to the exchange" in done.stdout


def test_force_releases_before_the_deadline_and_says_so(course):
    forced = release(course, "--force", "ch05_activations_init")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert released(course, "ch05_activations_init")
    assert "forced before chapter 4's deadline" in forced.stdout
