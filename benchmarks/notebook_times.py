"""Execution time of each chapter's source notebook from a fresh kernel (budget: 15 s).

    .venv/bin/python benchmarks/notebook_times.py [--repeat 3]

Prints a Markdown table (median of the repeats) to paste into benchmarks/RESULTS.md, for a
student's run (figures drawn) and for a run as nbgrader grades it (NBGRADER_EXECUTION set:
figures and widgets skipped). The kernel start is included, as "Restart and Run All" includes it;
the kernel's CPU time (what tests/test_chapters.py holds to the budget) is shown beside it.
"""
import argparse
import os
import statistics
from pathlib import Path

from course.notebooks import EXECUTION_BUDGET_S, chapters, execute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    print("| chapter | student run (s) | kernel CPU (s) | while grading (s) | budget (s) |")
    print("|---|---|---|---|---|")
    for chapter in chapters(root):
        student = [execute(chapter.source) for _ in range(args.repeat)]
        os.environ["NBGRADER_EXECUTION"] = "autograde"  # inherited by the kernel
        grading = statistics.median(execute(chapter.source).seconds for _ in range(args.repeat))
        del os.environ["NBGRADER_EXECUTION"]
        wall = statistics.median(run.seconds for run in student)
        cpu = statistics.median(run.cpu_seconds for run in student)
        print(f"| {chapter.id} | {wall:.1f} | {cpu:.1f} | {grading:.1f} | {EXECUTION_BUDGET_S:g} |")


if __name__ == "__main__":
    main()
