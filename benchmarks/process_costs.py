"""What the course's tools pay per process and per scratch course, each way side by side.

    .venv/bin/python benchmarks/process_costs.py [--rounds 5] [--chapter ch01_linear_regression]

Each round measures, one after the other (so that each ratio compares runs of the same moment),
the CPU seconds (this process's and its children's) of:

- ``stamp, alembic program``: nbgrader's way of learning the head revision of its gradebook
  schema for a new gradebook (``alembic heads`` run as a program, as
  ``nbgrader.api.get_alembic_version`` runs it), against ``stamp, in process``: alembic's Python
  API on the same scripts (``course.gradebook.alembic_head``, cached per process: measured
  uncached here);
- ``generate, nbgrader command``: ``nbgrader generate_assignment <chapter> --force`` in a
  scratch course, as a command (``course.nbgrader_run.run_nbgrader``), against ``generate, in
  process``: nbgrader's converter in this process (``course.nbgrader_run.generate_assignment``);
- ``kernel start``: the CPU ipykernel spends starting a kernel (``IPKernelApp.initialize``) in a
  process that has done the zygote's imports (course/zygote.py), with ipykernel's debugger
  among them or imported by the kernel itself, as before.

Prints a Markdown table of medians and each pair's ratio.
"""
import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course.gradebook import alembic_head
from course.grading import scratch_course
from course.nbgrader_run import environment, generate_assignment, run_nbgrader
from course.notebooks import find_chapters

ROOT = Path(__file__).resolve().parent.parent


def cpu() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(run) -> float:
    began = cpu()
    run()
    return cpu() - began


def alembic_program() -> None:
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini("sqlite:////nonexistent/gradebook.db") as ini:
        subprocess.run([str(Path(sys.executable).parent / "alembic"), "-c", ini, "heads"], check=True,
                       capture_output=True, env=environment())


def alembic_api() -> None:
    alembic_head.cache_clear()
    alembic_head()


KERNEL_START = """
import os, sys, tempfile, time
from course import zygote
if sys.argv[1] == "without":
    zygote.WARM_MODULES = tuple(m for m in zygote.WARM_MODULES if m != "ipykernel.debugger")
zygote.warm_up()
from ipykernel.kernelapp import IPKernelApp
began = time.process_time()
IPKernelApp.instance().initialize(["-f", os.path.join(tempfile.mkdtemp(), "kernel.json"),
                                   "--IPKernelApp.extra_extensions=ipywidgets"])
with open(sys.argv[2], "w") as out:  # the kernel now owns the standard streams, even their descriptors
    out.write(str(time.process_time() - began))
os._exit(0)
"""


def kernel_start_cpu(debugger: str) -> float:
    """The CPU ipykernel spends starting a kernel in a process with the zygote's imports done
    (``debugger``: "with" ipykernel's debugger among them, as now, or "without")."""
    with tempfile.TemporaryDirectory() as folder:
        answer = Path(folder) / "seconds"
        subprocess.run([sys.executable, "-c", KERNEL_START, debugger, str(answer)], capture_output=True,
                       env=environment(), cwd=folder, check=True)
        return float(answer.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chapter", default="ch01_linear_regression")
    args = parser.parse_args()
    chapter = find_chapters(ROOT, [args.chapter])[0]
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        course = scratch_course(ROOT, [chapter], Path(folder) / "course")
        for _ in range(args.rounds):
            for name, run in [("stamp, alembic program", alembic_program), ("stamp, in process", alembic_api),
                              ("generate, nbgrader command",
                               lambda: run_nbgrader(course, "generate_assignment", chapter.id, "--force")),
                              ("generate, in process", lambda: generate_assignment(course, chapter.id))]:
                times.setdefault(name, []).append(measured(run))
            times.setdefault("kernel start, debugger imported per kernel", []).append(kernel_start_cpu("without"))
            times.setdefault("kernel start, debugger in the zygote", []).append(kernel_start_cpu("with"))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"{args.rounds} rounds, {time.strftime('%Y-%m-%d %H:%M')}, {chapter.id}\n")
    print("| measured | CPU s (median) |\n|---|---|")
    for name, value in median.items():
        print(f"| {name} | {value:.3f} |")
    pairs = list(median.values())
    print(f"\nratios: stamp {pairs[0] / pairs[1]:.1f}x, generate {pairs[2] / pairs[3]:.1f}x, "
          f"kernel start {pairs[4] / pairs[5]:.2f}x")


if __name__ == "__main__":
    main()
