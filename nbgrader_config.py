"""nbgrader configuration of the course (read by every nbgrader command run in this folder)."""
import os

from nbgrader.converters import Autograde

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "dl-ground-up"
c.CourseDirectory.root = here
# Executed solutions go to solutions/, not nbgrader's default "solution".
c.CourseDirectory.solution_directory = "solutions"
# The text twins of the sources (<id>.pct.py) hold the answers: never copy them out.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.pct.py"]
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")

# A student's cell gets this long before it is interrupted; a kernel that ignores the interrupt
# must not abort the grading of the rest of the notebook.
c.Execute.timeout = 30
c.Execute.raise_on_iopub_timeout = False
# No per-cell timestamps in executed notebooks: rebuilding the solutions changes nothing in git.
c.Execute.record_timing = False
# Every grading kernel guards itself before the first cell (utils/integrity.py), a second layer:
# the student's cells see the real NumPy, and no cell may read the files holding answers or hidden tests.
c.Execute.extra_arguments = ["--IPKernelApp.exec_lines=__import__('utils.integrity').integrity.protect()"]

# nbgrader's autograde steps with its Execute replaced by course.sandbox.SandboxedExecute, which
# - runs every test cell in nbgrader's own process, calling the student's functions in the kernel
#   and getting data back (course/trusted_tests.py), so nothing the student's code does in its
#   process reaches the checks or the expected values;
# - runs every grading kernel in an operating-system sandbox (course/sandbox.py, bubblewrap): it
#   sees the Python environment read-only and its own submission's folder, not the course, other
#   submissions, the network or other processes; without bubblewrap, grading warns and goes on;
# - survives a kernel that dies (a segfault, the out-of-memory killer): the crash costs only the
#   cell it was running, the kernel is restarted and the notebook carries on (course/kernel_crash.py);
# - recovers a kernel message lost on the way instead of waiting out the cell's time limit
#   (course/execution.py).
c.Autograde.autograde_preprocessors = [
    "course.sandbox.SandboxedExecute" if p.__name__ == "Execute" else p
    for p in Autograde.autograde_preprocessors.default()]
# Limits of each grading kernel: address space (beyond it, allocations raise MemoryError),
# processes and threads, CPU seconds, the largest file it may write.
c.SandboxedKernelManager.memory_limit = 2 * 1024**3
c.SandboxedKernelManager.process_limit = 64
c.SandboxedKernelManager.cpu_limit = 300
c.SandboxedKernelManager.file_size_limit = 1024**3
# True: refuse to grade where kernels cannot be sandboxed, instead of warning.
c.SandboxedKernelManager.require_sandbox = False
# Grading as root, each sandboxed kernel is forked from a process that imported ipykernel, NumPy,
# matplotlib and utils once (course/zygote.py), instead of importing them again for every notebook.
c.SandboxedKernelManager.warm = True

# Deleted test cells are put back from the gradebook and graded, instead of silently missing.
c.OverwriteCells.add_missing_cells = True

# Solutions for students: hidden tests removed, outputs kept from a fresh execution.
c.GenerateSolution.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ClearHiddenTests",
    "course.nbgrader_execute.Execute",
]

# Feedback for students hides the hidden tests, their source and their tracebacks (course/feedback.py).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "course.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# A local, writable exchange for `nbgrader release_assignment` / `collect` on one machine.
c.Exchange.root = os.path.join(here, ".exchange")
