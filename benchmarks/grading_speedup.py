"""Speed-up of `course grade --jobs N` over plain serial `nbgrader autograde`, same submissions.

    .venv/bin/python benchmarks/grading_speedup.py [--jobs 2 3] [--chapters ch01_linear_regression ...]

Without `--jobs`, `course grade` runs with its defaults (one warm worker more than the cores).

The submissions are the demo cohort (`course.cohort`: nine students per chapter, right, partly
wrong, blank, broken, hostile) of every chapter present, or of the chapters named. Every run is
measured in this process, one after the other:

- serial: one plain `nbgrader autograde "*"` of the whole cohort (nbgrader's assignment id is
  a glob, so this is its fastest serial form), in a course where the assignments are already
  generated (as in the instructor's course; that step is not timed);
- `course grade --jobs N` for each N asked, in a course where its template course (the assignments generated,
  `course.grade.template_course`) is already made, as after any earlier run (not timed either);
  timed whole: staging and review, grading, merging into the gradebook.

The script asserts that every run gives every submission the same scores as the serial one, and
prints Markdown rows to paste into benchmarks/RESULTS.md.
"""
import argparse
import shutil
import tempfile
import time
from pathlib import Path

from course.cohort import submissions
from course.grade import default_jobs, grade_submissions, template_course
from course.grading import read_scores, scratch_course, submit
from course.nbgrader_run import run_nbgrader
from course.notebooks import find_chapters

ROOT = Path(__file__).resolve().parent.parent


def serial_nbgrader(chapters, cohort, folder: Path) -> tuple[dict, float]:
    course = scratch_course(ROOT, chapters, folder)  # the assignments are generated (not timed)
    for (student, chapter_id), nb in cohort.items():
        submit(course, student, chapter_id, nb)
    start = time.perf_counter()
    run_nbgrader(course, "autograde", "*", "--force", strict=False)
    seconds = time.perf_counter() - start
    return {key: read_scores(course, key[1], key[0]).scores for key in cohort}, seconds


def course_grade(chapters, cohort, folder: Path, jobs: int) -> tuple[dict, float]:
    folder.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    for chapter in chapters:
        shutil.copytree(chapter.source.parent, folder / "source" / chapter.id)
    for (student, chapter_id), nb in cohort.items():
        submit(folder, student, chapter_id, nb)
    template_course(folder, find_chapters(folder, [c.id for c in chapters]))  # not timed, as above
    start = time.perf_counter()
    outcomes = grade_submissions(folder, jobs=jobs, progress=False)
    seconds = time.perf_counter() - start
    return {(o.student, o.assignment): o.scores for o in outcomes}, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[default_jobs()],
                        help="one run of course grade per value (default: course grade's own default)")
    parser.add_argument("--chapters", nargs="*", default=None, help="default: every chapter present")
    args = parser.parse_args()
    chapters = find_chapters(ROOT, args.chapters)
    cohort = {(student, c.id): nb for c in chapters for student, nb in submissions(c).items()}
    rows = []
    with tempfile.TemporaryDirectory(prefix="grading-speedup-") as tmp:
        serial, serial_s = serial_nbgrader(chapters, cohort, Path(tmp) / "serial")
        for jobs in args.jobs:
            parallel, parallel_s = course_grade(chapters, cohort, Path(tmp) / f"jobs{jobs}", jobs)
            differ = sorted(key for key in cohort if serial[key] != parallel[key])
            assert not differ, f"course grade --jobs {jobs} and serial nbgrader disagree on {differ}"
            rows.append(f"| {len(cohort)} ({len(chapters)} chapters) | {serial_s:.1f} | {jobs} | {parallel_s:.1f} | "
                        f"{serial_s / parallel_s:.2f}× |")
            print(f"course grade --jobs {jobs}: {parallel_s:.1f} s, serial nbgrader {serial_s:.1f} s, identical scores",
                  flush=True)
    print("| submissions | serial `nbgrader autograde` (s) | `--jobs` | `course grade` (s) | speed-up |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
