"""What the grading sandbox (course/sandbox.py) costs per notebook, against unsandboxed kernels.

    .venv/bin/python benchmarks/sandbox_cost.py [--notebooks 4] [--rounds 3] [--chapters ID ...]

Two scratch courses with the chapters' sources differ in one setting,
``c.SandboxedKernelManager.sandbox`` (True / False). Each round grades the same submissions,
the solution of every chapter (or of ``--chapters``) ``--notebooks`` times, with one serial ``nbgrader autograde`` per
chapter in each course, alternating which course goes first. Also the kernel alone: starting a
kernel, running ``1 + 1`` and shutting it down, ``--rounds`` × 5 times each way, alternating.
Prints a Markdown table of medians per notebook (seconds) and the ratio sandboxed /
unsandboxed, measured in the same run.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course.execution import NotebookClient
from course.grading import read_scores, scratch_course, submit
from course.nbgrader_run import run_nbgrader
from course.notebooks import chapters
from course.sandbox import SandboxedKernelManager, notice

ROOT = Path(__file__).resolve().parent.parent


def course_copy(folder: Path, chapter_list, sandboxed: bool) -> Path:
    """A scratch course of ``chapter_list`` whose kernels are sandboxed or not."""
    course = scratch_course(ROOT, chapter_list, folder)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.SandboxedKernelManager.sandbox = {sandboxed}\n")
    return course


def grade_round(course: Path, chapter_list, students: list[str]) -> float:
    """Seconds to autograde every submission of every chapter, one nbgrader run per chapter."""
    start = time.perf_counter()
    for chapter in chapter_list:
        log = run_nbgrader(course, "autograde", chapter.id, "--force", strict=False)
        for student in students:
            scores = read_scores(course, chapter.id, student, log)
            assert not scores.error and scores.score == scores.max_score, (chapter.id, student, scores.error)
    return time.perf_counter() - start


def kernel_once(sandboxed: bool, folder: Path) -> float:
    """Seconds to start a kernel in ``folder``, run one cell and shut it down."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    client = NotebookClient(nb, kernel_manager_class=SandboxedKernelManager, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    client.config.SandboxedKernelManager.sandbox = sandboxed
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=4, help="submissions of each chapter")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chapters", nargs="*", help="chapter ids (default: all)")
    args = parser.parse_args()
    assert not notice(), notice()
    chapter_list = [c for c in chapters(ROOT) if not args.chapters or c.id in args.chapters]
    students = [f"student{i}" for i in range(args.notebooks)]
    times = {True: [], False: []}
    kernel = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        courses = {flag: course_copy(Path(tmp) / f"sandbox-{flag}", chapter_list, flag) for flag in (True, False)}
        for course in courses.values():
            for chapter in chapter_list:
                for student in students:
                    submit(course, student, chapter.id, chapter.source)
        count = len(chapter_list) * len(students)
        empty = Path(tmp) / "kernel"  # the folder the bare kernels start in
        empty.mkdir()
        for round_ in range(args.rounds):
            for flag in ((True, False) if round_ % 2 == 0 else (False, True)):
                times[flag].append(grade_round(courses[flag], chapter_list, students) / count)
                for _ in range(5):
                    kernel[flag].append(kernel_once(flag, empty))
                print(f"round {round_} sandboxed={flag}: {times[flag][-1]:.2f} s per notebook, "
                      f"{statistics.median(kernel[flag][-5:]):.2f} s per bare kernel", file=sys.stderr, flush=True)
    print("| per notebook (s) | sandboxed | unsandboxed | ratio |")
    print("|---|---|---|---|")
    for label, data in (("graded by nbgrader autograde", times), ("kernel start, one cell, shutdown", kernel)):
        on, off = statistics.median(data[True]), statistics.median(data[False])
        print(f"| {label} | {on:.2f} | {off:.2f} | {on / off:.2f} |")


if __name__ == "__main__":
    main()
