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
  among them or imported by the kernel itself, as before;
- ``cell metadata``: nbgrader's check of every cell's grading metadata in the chapter's notebook,
  twice (autograde's two passes), with ``jsonschema.validate`` checking nbgrader's schema at each
  cell, against ``course.cell_metadata`` (the schema checked once per process);
- ``guard before a cell``: what the grading guard (``utils.integrity``) does before each cell, in
  a process with the kernel's imports and an audit hook installed (as in a grading kernel), reading
  each guarded function's code and defaults one by one (every read an audit event), as before,
  against comparing what the functions hold in one read (``integrity._held``).

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


def metadata_cpu(chapter, checked_once: bool, notebooks: int = 10) -> float:
    """CPU seconds per notebook of nbgrader's metadata checks (two passes) on ``chapter``'s source."""
    import jsonschema
    import nbformat
    import nbgrader.nbgraderformat.common as common
    from nbgrader.nbgraderformat import MetadataValidator

    from course import cell_metadata

    source = nbformat.read(chapter.source, as_version=4)
    common.jsonschema = cell_metadata.nbgrader_jsonschema if checked_once else jsonschema
    try:
        return measured(lambda: [MetadataValidator().validate_nb(source) for _ in range(2 * notebooks)]) / notebooks
    finally:
        common.jsonschema = cell_metadata.nbgrader_jsonschema


GUARD_COST = """
import importlib, sys, time
from utils import integrity
for name in integrity.GUARDED_MODULES + ("matplotlib.pyplot", "scipy.optimize", "sklearn.datasets"):
    importlib.import_module(name)
snapshot = integrity.take_snapshot()
restore = integrity._sealed(integrity.restore_snapshot)
sys.addaudithook(integrity._sealed(integrity._audit_hook)(("/nowhere",), "/nowhere/notebook", None, "\\0", snapshot))
modules, functions, classes = snapshot
one_by_one = (modules, functions[:-1] + ([],), classes)  # nothing held to compare: each function read
for label, kept in (("one by one", one_by_one), ("held", snapshot)):
    began = time.process_time()
    for _ in range(200):
        restore(kept, {})
    print(label, (time.process_time() - began) / 200)
"""


def guard_cpu() -> dict[str, float]:
    """CPU seconds of the guard's work before one cell, each way."""
    out = subprocess.run([sys.executable, "-c", GUARD_COST], capture_output=True, text=True, env=environment(),
                         check=True).stdout
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in out.splitlines()}


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
            times.setdefault("cell metadata, schema checked per cell (per notebook)", []).append(
                metadata_cpu(chapter, checked_once=False))
            times.setdefault("cell metadata, schema checked once (per notebook)", []).append(
                metadata_cpu(chapter, checked_once=True))
            guard = guard_cpu()
            times.setdefault("guard before a cell, functions read one by one", []).append(guard["one by one"])
            times.setdefault("guard before a cell, what functions hold compared", []).append(guard["held"])
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"{args.rounds} rounds, {time.strftime('%Y-%m-%d %H:%M')}, {chapter.id}\n")
    print("| measured | CPU s (median) |\n|---|---|")
    for name, value in median.items():
        print(f"| {name} | {value:.3f} |")
    pairs = list(median.values())
    print(f"\nratios: stamp {pairs[0] / pairs[1]:.1f}x, generate {pairs[2] / pairs[3]:.1f}x, "
          f"kernel start {pairs[4] / pairs[5]:.2f}x, cell metadata {pairs[6] / pairs[7]:.1f}x, "
          f"guard before a cell {pairs[8] / pairs[9]:.1f}x")


if __name__ == "__main__":
    main()
