"""Execution time of each chapter's source notebook from a fresh kernel (budget: 15 s).

    .venv/bin/python benchmarks/notebook_times.py [--repeat 3]

Prints a Markdown table (best and median of the repeats) to paste into benchmarks/RESULTS.md.
The kernel start is included, as a student's "Restart and Run All" includes it.
"""
import argparse
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
    print("| chapter | best (s) | median (s) | budget (s) |")
    print("|---|---|---|---|")
    for chapter in chapters(root):
        times = [execute_seconds(chapter.source) for _ in range(args.repeat)]
        print(f"| {chapter.id} | {min(times):.1f} | {statistics.median(times):.1f} | {BUDGET_S:g} |")


if __name__ == "__main__":
    main()
