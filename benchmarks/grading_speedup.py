"""Speed-up of `course grade --jobs 2` over one plain serial `nbgrader autograde`, same submissions.

    .venv/bin/python benchmarks/grading_speedup.py [--students 24] [--jobs 2]

The cohort is chapter 1's solution and its catalogued right and wrong answers (one submission
each). Both runs are measured in this process, one after the other: serial nbgrader grades every
submission in one run, in a course where the assignment is already generated (as in the
instructor's course; that step is not timed); `course grade` is timed whole, including making
its own template course. The script asserts that both give every student the same scores, and
prints a Markdown row to paste into benchmarks/RESULTS.md.
"""
import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course.grade import grade_submissions
from course.grading import autograde, replace_answer, scratch_course, submit
from course.notebooks import find_chapters

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the mistake catalogues live in the test suite
from tests.catalogue import load  # noqa: E402
CHAPTER_ID = "ch01_linear_regression"


def cohort(chapter, size: int) -> dict[str, object]:
    """student -> notebook: the solution, then catalogue variants, right and wrong alternating."""
    source = nbformat.read(chapter.source, as_version=4)
    wrong, right = load(chapter.id)
    variants = [v for pair in zip(right, wrong) for v in pair]
    if size - 1 > len(variants):
        raise SystemExit(f"the catalogue has only {len(variants) + 1} submissions")
    notebooks = {"s00_solution": source}
    notebooks |= {f"s{i:02d}_{v.answer}": replace_answer(source, v.answer, v.code)
                  for i, v in enumerate(variants[:size - 1], start=1)}
    return notebooks


def serial_nbgrader(chapter, notebooks, folder: Path) -> tuple[dict, float]:
    course = scratch_course(ROOT, [chapter], folder)  # the assignment is generated (not timed)
    for student, nb in notebooks.items():
        submit(course, student, chapter.id, nb)
    start = time.perf_counter()
    results = autograde(course, chapter.id)  # one `nbgrader autograde` of the whole cohort
    seconds = time.perf_counter() - start
    return {s: r.scores for s, r in results.items()}, seconds


def course_grade(chapter, notebooks, folder: Path, jobs: int) -> tuple[dict, float]:
    folder.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(chapter.source.parent, folder / "source" / chapter.id)
    for student, nb in notebooks.items():
        submit(folder, student, chapter.id, nb)
    start = time.perf_counter()
    outcomes = grade_submissions(folder, jobs=jobs, progress=False)
    seconds = time.perf_counter() - start
    return {o.student: o.scores for o in outcomes}, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    chapter = find_chapters(ROOT, [CHAPTER_ID])[0]
    notebooks = cohort(chapter, args.students)
    with tempfile.TemporaryDirectory(prefix="grading-speedup-") as tmp:
        serial, serial_s = serial_nbgrader(chapter, notebooks, Path(tmp) / "serial")
        parallel, parallel_s = course_grade(chapter, notebooks, Path(tmp) / "parallel", args.jobs)
    assert parallel == serial, "course grade and serial nbgrader disagree on some scores"
    print(f"{len(notebooks)} submissions, identical scores; serial nbgrader {serial_s:.1f} s, "
          f"course grade --jobs {args.jobs} {parallel_s:.1f} s")
    print("| submissions | serial `nbgrader autograde` (s) | `course grade --jobs "
          f"{args.jobs}` (s) | speed-up |")
    print("|---|---|---|---|")
    print(f"| {len(notebooks)} | {serial_s:.1f} | {parallel_s:.1f} | {serial_s / parallel_s:.2f}× |")


if __name__ == "__main__":
    main()
