"""Where an ordinary notebook's grading time goes: sandbox, imports, kernel start, cells, nbgrader.

    .venv/bin/python benchmarks/kernel_start.py [--rounds 5] [--chapters ch01_linear_regression ...]

Each round measures, one after the other on the same machine (so that every ratio compares
runs of the same moment), for each chapter's solution notebook:

- ``sandbox``: bubblewrap starting a Python that does nothing (``python -c pass``), sandboxed
  exactly as a grading kernel (course/sandbox.py);
- ``import numpy`` / ``matplotlib.pyplot`` / ``utils`` / ``ipykernel``: the same, importing that
  (``utils`` with every submodule the notebooks use); the import's cost is the difference;
- ``kernel``: a sandboxed grading kernel started cold (its own Python and imports, with the
  in-process guard, as nbgrader starts it), one ``1 + 1`` cell, shut down;
- ``notebook``: the solution executed top to bottom in a fresh cold sandboxed kernel, as
  autograde executes it (``NBGRADER_EXECUTION`` set);
- ``kernel (warm)``, ``notebook (warm)``: the same with the kernel forked from the zygote
  (course/zygote.py; started once, by the first warm kernel of the run, as in a grader);
- ``autograde``: one ``nbgrader autograde`` of that one submission in a scratch course (the
  notebook plus nbgrader's own start, gradebook and files), with the course's defaults.

Prints a Markdown table of medians (seconds) and each as a fraction of the cold ``notebook``.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course.execution import NotebookClient
from course.grading import scratch_course, submit
from course.nbgrader_run import run_nbgrader
from course.notebooks import find_chapters
from course.sandbox import Limits, SandboxedKernelManager, _library_folders, notice, prepare, sandbox_command

ROOT = Path(__file__).resolve().parent.parent
UTILS = "import utils, utils.checks, utils.datasets, utils.gradcheck, utils.nn, utils.plotting"
IMPORTS = {"sandbox": "pass", "import numpy": "import numpy", "import matplotlib.pyplot": "import matplotlib.pyplot",
           "import utils": UTILS, "import ipykernel": "import ipykernel.kernelapp"}
# What nbgrader_config.py has every grading kernel run first (utils/integrity.py).
GUARD = ["--IPKernelApp.exec_lines=__import__('utils.integrity').integrity.protect()"]


def sandboxed_python(code: str, tmp: Path) -> float:
    """Seconds to run ``python -c code`` in a fresh grading sandbox (its folders prepared too)."""
    folder, runtime = Path(tempfile.mkdtemp(dir=tmp)), Path(tempfile.mkdtemp(dir=tmp))
    start = time.perf_counter()
    uid = prepare(folder, runtime)
    subprocess.run(sandbox_command([sys.executable, "-c", code], folder, runtime, _library_folders(), Limits(), uid),
                   check=True)
    return time.perf_counter() - start


def executed(nb, folder: Path, warm: bool) -> float:
    """Seconds to execute ``nb`` in ``folder`` in a fresh sandboxed kernel, start to shutdown."""
    client = NotebookClient(nb, kernel_manager_class=SandboxedKernelManager, kernel_name="python3",
                            extra_arguments=GUARD, timeout=60, resources={"metadata": {"path": str(folder)}})
    client.config.SandboxedKernelManager.warm = warm
    start = time.perf_counter()
    client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors[0]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chapters", nargs="*", default=["ch01_linear_regression"])
    args = parser.parse_args()
    assert not notice(), notice()
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # as nbgrader sets it: figures off, widgets hidden
    os.environ.setdefault("MPLBACKEND", "Agg")
    chapter_list = find_chapters(ROOT, args.chapters)
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        course = scratch_course(ROOT, chapter_list, tmp / "course")
        for chapter in chapter_list:
            submit(course, "student", chapter.id, chapter.source)
        for round_ in range(args.rounds):
            for label, code in IMPORTS.items():
                times.setdefault(label, []).append(sandboxed_python(code, tmp))
            for warm, suffix in ((False, ""), (True, " (warm)")):
                kernel = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
                times.setdefault("kernel" + suffix, []).append(executed(kernel, Path(tempfile.mkdtemp(dir=tmp)), warm))
            for chapter in chapter_list:
                for warm, suffix in ((False, ""), (True, " (warm)")):
                    folder = Path(tempfile.mkdtemp(dir=tmp))
                    times.setdefault("notebook" + suffix, []).append(
                        executed(nbformat.read(chapter.source, 4), folder, warm))
                start = time.perf_counter()
                run_nbgrader(course, "autograde", chapter.id, "--force")
                times.setdefault("autograde", []).append(time.perf_counter() - start)
            print(f"round {round_}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in times.items()),
                  file=sys.stderr, flush=True)
    median = {label: statistics.median(values) for label, values in times.items()}
    base = median["sandbox"]
    print("| phase | median (s) | beyond the previous (s) | fraction of the notebook |")
    print("|---|---|---|---|")
    for label, seconds in median.items():
        extra = seconds - base if label.startswith("import") else seconds - median.get(_previous(label), 0.0)
        print(f"| {label} | {seconds:.2f} | {extra:.2f} | {seconds / median['notebook']:.2f} |")


def _previous(label: str) -> str:
    """The phase that ``label`` contains (its extra time is beyond that one)."""
    return {"kernel": "sandbox", "kernel (warm)": "sandbox", "notebook": "kernel",
            "notebook (warm)": "kernel (warm)", "autograde": "notebook (warm)"}.get(label, "")


if __name__ == "__main__":
    main()
