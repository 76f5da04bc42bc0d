"""What running the test cells in the grader's process costs, against running them in the kernel.

    .venv/bin/python benchmarks/trusted_tests.py [--rounds 3] [--chapters ch01_linear_regression ...]

Each round executes every chapter's source notebook (its solution and all its tests) as
``nbgrader autograde`` does, with the course's configuration (``nbgrader_config.py``: sandboxed
warm kernels, the guard, the time limit), twice in turn: with the test cells in the grader's
process (``course.trusted_tests``, as grading runs them) and in the kernel
(``TrustedTests.trusted_tests = False``, as before), in alternating order, after one execution
that starts the warm kernels' zygote. It records the wall-clock seconds of each
execution and the CPU seconds of this process (the grader's side; the kernel's own CPU is not
counted) and checks that both ways leave no test cell failing.

Prints a Markdown table of medians per chapter and the ratio (trusted / in the kernel).
"""
import argparse
import os
import resource
import statistics
import time
from pathlib import Path

import nbformat
from traitlets.config import PyFileConfigLoader

from course.notebooks import find_chapters
from course.sandbox import SandboxedExecute
from course.notebooks import is_test_cell

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def execute(path: Path, config, trusted: bool) -> tuple[float, float]:
    """Wall and grader-CPU seconds of executing ``path`` as autograde does; fails on a failed test."""
    nb = nbformat.read(path, as_version=4)
    wall, cpu = time.perf_counter(), _cpu()
    SandboxedExecute(config=config, trusted_tests=trusted).preprocess(nb, {"metadata": {"path": str(path.parent)}})
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    failed = [c.metadata.nbgrader["grade_id"] for c in nb.cells
              if is_test_cell(c) and any(o.output_type == "error" or o.get("name") == "stderr" for o in c.outputs)]
    assert not failed, f"{path.name}, trusted={trusted}: {failed} failed"
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chapters", nargs="*")
    args = parser.parse_args()
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # the guard protects the kernel, as in grading
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    chapters = find_chapters(ROOT, args.chapters)
    times: dict[tuple[str, bool], list[tuple[float, float]]] = {}
    execute(chapters[0].source, config, False)  # the warm kernels' zygote starts once per process
    for round_ in range(args.rounds):
        for chapter in chapters:
            for trusted in (True, False) if round_ % 2 else (False, True):
                times.setdefault((chapter.id, trusted), []).append(execute(chapter.source, config, trusted))
    print("| chapter | in the kernel: wall s | trusted: wall s | ratio | grader CPU s, kernel → trusted |")
    print("|---|---|---|---|---|")
    for chapter in chapters:
        before, after = times[chapter.id, False], times[chapter.id, True]
        wall_before, wall_after = (statistics.median(w for w, _ in t) for t in (before, after))
        cpu_before, cpu_after = (statistics.median(c for _, c in t) for t in (before, after))
        print(f"| {chapter.id} | {wall_before:.2f} | {wall_after:.2f} | {wall_after / wall_before:.2f} "
              f"| {cpu_before:.2f} → {cpu_after:.2f} |")


if __name__ == "__main__":
    main()
