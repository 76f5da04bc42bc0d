"""Speed-up of `course grade` over plain serial `nbgrader autograde`, same submissions; and the
time `course grade` adds per notebook beyond kernel start and cell execution.

    .venv/bin/python benchmarks/grading_speedup.py [--cohort demo|ordinary] [--jobs 3 1]
        [--baseline course plain] [--chapters ...]

Without `--jobs`, `course grade` runs with its defaults (one warm worker more than the cores).

Cohorts, of every chapter present or of those named:

- `demo`: the demo cohort (`course.cohort`: nine students per chapter, right, partly wrong,
  blank, broken, looping, hostile);
- `ordinary`: twelve notebooks per chapter that all run to their end without a loop: 4 right
  (the solution and three right-but-different catalogue answers), 6 wrong (catalogued mistakes
  in six different answers) and 2 blank releases.

Every run is measured in this process, one after the other:

- serial: one `nbgrader autograde "*"` of the whole cohort (nbgrader's assignment id is a glob,
  so this is its fastest serial form), in a course where the assignments are already generated
  (as in the instructor's course; that step is not timed), once per baseline asked:
  - `course`: with the course's `nbgrader_config.py` as it is, so nbgrader runs the course's
    executor: sandboxed kernels forked warm from `course/zygote.py`, as `course grade`'s are;
  - `plain`: with nbgrader's own autograde steps (its `Execute`: each kernel a fresh, cold,
    unsandboxed process), what nbgrader does without this course's tooling. The demo cohort's
    hostile notebook then runs outside any sandbox: it only tries to read this scratch course's
    sources and to patch its own kernel, which the in-process guard refuses in both baselines;
- `python -m course grade --jobs N` for each N asked, the real command in a process of its own,
  in a course where its template course (`course.grade.template_course`) is already made, as
  after any earlier run (not timed either); timed whole, from starting the command to its end.

From each `course grade` run's `reports/grading.json` (`course.timing`): when the first kernel
was asked for, after the command started; and per notebook, the grading time beyond its kernel
start and its cells (inside the worker: nbgrader's preprocessors, the private gradebook). With
`--jobs 1` nothing runs side by side, so (wall time - all kernel starts and cells) / notebooks is
everything the command adds per notebook: start-up, intake, grading, merging.

The script asserts that every run gives every submission the same scores as the serial one, and
prints Markdown rows to paste into benchmarks/RESULTS.md.
"""
import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course.cohort import distinct_mistakes, load_catalogue, submissions
from course.grade import default_jobs, template_course
from course.grading import read_scores, replace_answer, scratch_course, submit
from course.nbgrader_run import environment, run_nbgrader
from course.notebooks import find_chapters

ROOT = Path(__file__).resolve().parent.parent


PLAIN = "\n# nbgrader's own autograde steps and Execute (the benchmark's plain baseline)\n" \
        "c.Autograde.autograde_preprocessors = Autograde.autograde_preprocessors.default()\n"


def serial_nbgrader(chapters, cohort, folder: Path, baseline: str) -> tuple[dict, float]:
    course = scratch_course(ROOT, chapters, folder)  # the assignments are generated (not timed)
    for (student, chapter_id), nb in cohort.items():
        submit(course, student, chapter_id, nb)
    if baseline == "plain":
        config = course / "nbgrader_config.py"
        config.write_text(config.read_text() + PLAIN)
    start = time.perf_counter()
    run_nbgrader(course, "autograde", "*", "--force", strict=False)
    seconds = time.perf_counter() - start
    return {key: read_scores(course, key[1], key[0]).scores for key in cohort}, seconds


def ordinary(chapter) -> dict:
    """Student -> notebook: the `ordinary` cohort of one chapter (module docstring)."""
    solution = submissions(chapter)["ada"]  # the demo cohort's student with every answer right
    release = nbformat.read(chapter.release, as_version=4)
    wrong, right = load_catalogue(chapter.root, chapter.id)
    rng = random.Random(chapter.id)  # the same cohort on every run
    cohort = {"right0": solution, "blank0": release, "blank1": release}
    cohort |= {f"right{i + 1}": replace_answer(solution, v.answer, v.code) for i, v in enumerate(rng.sample(right, 3))}
    cohort |= {f"wrong{i}": replace_answer(solution, v.answer, v.code)
               for i, v in enumerate(distinct_mistakes(wrong, rng, 6))}
    return cohort


def course_grade(chapters, cohort, folder: Path, jobs: int) -> tuple[dict, float, list[dict]]:
    """Scores, wall seconds and `reports/grading.json`'s rows of `python -m course grade`."""
    folder.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    for chapter in chapters:
        shutil.copytree(chapter.source.parent, folder / "source" / chapter.id)
    for (student, chapter_id), nb in cohort.items():
        submit(folder, student, chapter_id, nb)
    template_course(folder, find_chapters(folder, [c.id for c in chapters]))  # not timed, as above
    started_at = time.time()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "course", "--root", str(folder), "grade", "--jobs", str(jobs)],
                   cwd=ROOT, env=environment(), check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    rows = json.loads((folder / "reports" / "grading.json").read_text())
    for row in rows:
        row["first_kernel_after"] = row["timings"].get("kernel_requested_at", float("inf")) - started_at
    return {(r["student"], r["assignment"]): {k: tuple(v) for k, v in r["scores"].items()} for r in rows}, seconds, rows


def overheads(rows: list[dict], wall: float) -> tuple[float, float, float]:
    """(seconds until the first kernel was asked for; median seconds per notebook inside the
    worker beyond kernel start and cells; all-in seconds per notebook beyond them)."""
    inside = [r["seconds"] - r["timings"].get("kernel_start", 0.0) - r["timings"].get("cells", 0.0) for r in rows]
    busy = sum(r["timings"].get("kernel_start", 0.0) + r["timings"].get("cells", 0.0) for r in rows)
    return min(r["first_kernel_after"] for r in rows), statistics.median(inside), (wall - busy) / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohort", choices=["demo", "ordinary"], default="demo")
    parser.add_argument("--jobs", type=int, nargs="+", default=[default_jobs()],
                        help="one run of course grade per value (default: course grade's own default)")
    parser.add_argument("--baseline", choices=["course", "plain"], nargs="+", default=["course"],
                        help="serial nbgrader runs to compare with (module docstring; default: course)")
    parser.add_argument("--chapters", nargs="*", default=None, help="default: every chapter present")
    args = parser.parse_args()
    chapters = find_chapters(ROOT, args.chapters)
    make = submissions if args.cohort == "demo" else ordinary
    cohort = {(student, c.id): nb for c in chapters for student, nb in make(c).items()}
    rows = []
    with tempfile.TemporaryDirectory(prefix="grading-speedup-") as tmp:
        serial = {}
        for baseline in args.baseline:
            serial[baseline] = serial_nbgrader(chapters, cohort, Path(tmp) / f"serial-{baseline}", baseline)
            print(f"serial nbgrader autograde, {baseline}: {serial[baseline][1]:.1f} s", flush=True)
        for jobs in args.jobs:
            parallel, parallel_s, graded = course_grade(chapters, cohort, Path(tmp) / f"jobs{jobs}", jobs)
            first, inside, all_in = overheads(graded, parallel_s)
            for baseline, (scores, serial_s) in serial.items():
                differ = sorted(key for key in cohort if scores[key] != parallel[key])
                assert not differ, f"course grade --jobs {jobs} and serial nbgrader ({baseline}) disagree on {differ}"
                rows.append(f"| {args.cohort}, {len(cohort)} ({len(chapters)} chapters) | {baseline} | {serial_s:.1f} "
                            f"| {jobs} | {parallel_s:.1f} | {serial_s / parallel_s:.2f}× | {first:.2f} | {inside:.2f} | "
                            + (f"{all_in:.2f} |" if jobs == 1 else "– |"))
            print(f"course grade --jobs {jobs}: {parallel_s:.1f} s, identical scores; first kernel after "
                  f"{first:.2f} s; beyond kernel and cells: {inside:.2f} s per notebook in the worker"
                  + (f", {all_in:.2f} s all in" if jobs == 1 else ""), flush=True)
    print("| cohort, submissions | baseline | serial `nbgrader autograde` (s) | `--jobs` | `course grade` (s) "
          "| speed-up | first kernel after (s) | beyond kernel and cells, in the worker (s/notebook, median) "
          "| all in, `--jobs 1` (s/notebook) |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
