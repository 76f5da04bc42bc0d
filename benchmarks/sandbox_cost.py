"""What the grading sandbox (course/sandbox.py) costs per notebook, against unsandboxed kernels,
and what the warm start (course/zygote.py) saves of it.

    .venv/bin/python benchmarks/sandbox_cost.py [--notebooks 4] [--rounds 3] [--chapters ID ...]

Three scratch courses with the chapters' sources differ in the settings
``c.SandboxedKernelManager.sandbox`` and ``.warm``: sandboxed kernels forked warm from the
zygote, sandboxed kernels started cold (their own Python and imports), unsandboxed kernels.
Each round grades the same submissions, the solution of every chapter (or of ``--chapters``)
``--notebooks`` times, with one serial ``nbgrader autograde`` per chapter in each course, the
courses' order rotating from round to round. Also the kernel alone: starting a kernel, running
``import numpy, matplotlib.pyplot, utils.checks`` (what an ordinary notebook's first cell
does) and shutting it down, ``--rounds`` × 5 times each way, alternating, in this one process
(so the warm kernels' zygote is started once, as in a grading worker). Prints a Markdown table
of medians per notebook (seconds) and the ratios, measured in the same run.
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


# How each kind of kernel is configured: (sandbox, warm).
MODES = {"warm": (True, True), "cold": (True, False), "unsandboxed": (False, False)}
FIRST_CELL = "import numpy, matplotlib.pyplot, utils.checks"


def course_copy(folder: Path, chapter_list, mode: str) -> Path:
    """A scratch course of ``chapter_list`` whose kernels start as ``mode`` says."""
    course = scratch_course(ROOT, chapter_list, folder)
    sandboxed, warm = MODES[mode]
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.SandboxedKernelManager.sandbox = {sandboxed}\nc.SandboxedKernelManager.warm = {warm}\n")
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


def kernel_once(mode: str, folder: Path) -> float:
    """Seconds to start a kernel in ``folder``, run the usual first imports and shut it down."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FIRST_CELL)])
    client = NotebookClient(nb, kernel_manager_class=SandboxedKernelManager, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    client.config.SandboxedKernelManager.sandbox, client.config.SandboxedKernelManager.warm = MODES[mode]
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
    times = {mode: [] for mode in MODES}
    kernel = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        courses = {mode: course_copy(Path(tmp) / mode, chapter_list, mode) for mode in MODES}
        for course in courses.values():
            for chapter in chapter_list:
                for student in students:
                    submit(course, student, chapter.id, chapter.source)
        count = len(chapter_list) * len(students)
        empty = Path(tmp) / "kernel"  # the folder the bare kernels start in
        empty.mkdir()
        order = list(MODES)
        for round_ in range(args.rounds):
            for mode in order[round_ % 3:] + order[:round_ % 3]:
                times[mode].append(grade_round(courses[mode], chapter_list, students) / count)
                for _ in range(5):
                    kernel[mode].append(kernel_once(mode, empty))
                print(f"round {round_} {mode}: {times[mode][-1]:.2f} s per notebook, "
                      f"{statistics.median(kernel[mode][-5:]):.2f} s per bare kernel", file=sys.stderr, flush=True)
    print("| per notebook (s) | warm sandboxed | cold sandboxed | unsandboxed | warm / cold | cold / unsandboxed |")
    print("|---|---|---|---|---|---|")
    for label, data in (("graded by nbgrader autograde", times), ("kernel start, first imports, shutdown", kernel)):
        warm, cold, off = (statistics.median(data[mode]) for mode in MODES)
        print(f"| {label} | {warm:.2f} | {cold:.2f} | {off:.2f} | {warm / cold:.2f} | {cold / off:.2f} |")


if __name__ == "__main__":
    main()
