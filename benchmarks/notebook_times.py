"""Execution time of each chapter's source notebook from a fresh kernel (budget: 15 s).

    .venv/bin/python benchmarks/notebook_times.py [--repeat 3]

Prints a Markdown table (median of the repeats) to paste into benchmarks/RESULTS.md, for a
student's run (figures drawn) and for a run as nbgrader grades it (NBGRADER_EXECUTION set:
figures and widgets skipped). The kernel start is included, as "Restart and Run All" includes it.
"""
import argparse
import os
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course.notebooks import chapters

BUDGET_S = 15.0


def execute_seconds(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    print("| chapter | student run (s) | while grading (s) | budget (s) |")
    print("|---|---|---|---|")
    for chapter in chapters(root):
        student = statistics.median(execute_seconds(chapter.source) for _ in range(args.repeat))
        os.environ["NBGRADER_EXECUTION"] = "autograde"  # inherited by the kernel
        grading = statistics.median(execute_seconds(chapter.source) for _ in range(args.repeat))
        del os.environ["NBGRADER_EXECUTION"]
        print(f"| {chapter.id} | {student:.1f} | {grading:.1f} | {BUDGET_S:g} |")


if __name__ == "__main__":
    main()
