"""Integrity of a notebook while nbgrader grades it: what a student's cell cannot change.

``nbgrader_config.py`` makes every grading kernel run :func:`protect` when it starts, before the
first cell of the notebook. During ``nbgrader autograde`` it then

- takes a snapshot of NumPy (its main namespace, ``linalg``, ``testing`` and ``random``) and of
  this course's check helpers, and puts them back around every cell: a test cell always
  sees the real ``np.allclose``, ``np.linalg.solve`` and ``utils.checks``, whatever an earlier
  cell assigned (``np.allclose = …``, ``utils.checks.__dict__[…] = …``,
  ``sys.modules["utils.checks"] = …``, ``np = …``);
- refuses, through an audit hook (which Python offers no way to remove), to open the files
  that hold answers or hidden tests: notebooks, text twins, databases and git objects anywhere,
  and the course's folders of sources, solutions, tests and other students' work (but the
  graded notebook's own folder); and to start other programs or open a database.

A kernel shares its process with the student's code, so this cannot stop every trick (nothing
in-process can); ``course.review.suspicious`` flags the rest for a human to look at.
"""
from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

GRADING_MODE = "autograde"  # the value nbgrader gives NBGRADER_EXECUTION while autograding
# Modules whose attributes are put back before each cell (a student cell may patch them).
GUARDED_MODULES = ("numpy", "numpy.linalg", "numpy.testing", "numpy.random", "utils", "utils.checks")
# File name endings that hold solutions or hidden tests, wherever they are.
FORBIDDEN_SUFFIXES = (".ipynb", ".pct.py", ".db", ".db-journal", ".sqlite")
# Folders of a course that hold answers, hidden tests or other students' work.
FORBIDDEN_FOLDERS = ("source", "solutions", "tests", "autograded", "submitted", "feedback", "reports",
                     ".exchange")
# Audit events that start programs or open databases: none is needed by a graded notebook.
FORBIDDEN_EVENTS = frozenset({
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
    "pty.spawn",
})

# Lists of the IPython shell a cell could extend to rewrite or empty the cells that follow it.
SHELL_HOOK_LISTS = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")

_active = False


def protect() -> bool:
    """Guard this kernel while nbgrader autogrades it; True when the guard was installed.

    Does nothing outside ``nbgrader autograde`` (students' own kernels, validation, building
    the solutions) or when called a second time.
    """
    global _active
    if _active or os.environ.get("NBGRADER_EXECUTION") != GRADING_MODE:
        return False
    # Imported here, before any cell runs, so that the snapshot holds the real functions.
    modules = {name: importlib.import_module(name) for name in GUARDED_MODULES}
    snapshot = {name: (module, dict(vars(module))) for name, module in modules.items()}
    _register_restore(snapshot)
    notebook_dir = Path.cwd().resolve()  # nbgrader starts the kernel in the notebook's folder
    # The project this library belongs to, and the course nbgrader grades in (they differ when
    # grading happens in a scratch copy): autograded/<student>/<assignment>/ is 3 levels down.
    course_dirs = (Path(__file__).resolve().parents[1], *notebook_dir.parents[2:3])
    sys.addaudithook(_file_guard(course_dirs, notebook_dir))
    _active = True
    return True


def restore(snapshot: dict, user_ns: dict | None = None) -> None:
    """Put back every module of ``snapshot`` (name -> (module, its namespace)) as it was, and the
    user namespace's ``np`` if it was rebound."""
    for name, (module, namespace) in snapshot.items():
        sys.modules[name] = module
        current = vars(module)  # a module's namespace, even when its setattr is sealed
        for key, value in namespace.items():
            if current.get(key) is not value:
                current[key] = value
    if user_ns is not None and "np" in user_ns and user_ns["np"] is not snapshot["numpy"][0]:
        user_ns["np"] = snapshot["numpy"][0]


def _register_restore(snapshot: dict) -> None:
    """Put the snapshot and the shell's hooks back around every cell the kernel runs."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:  # not in a kernel (a plain interpreter): nothing runs cells
        return

    # The hooks through which a cell could rewrite or silence the cells after it.
    transformers = {name: list(getattr(shell, name)) for name in SHELL_HOOK_LISTS}

    def put_back(*_info) -> None:
        restore(snapshot, shell.user_ns)
        for name, original in transformers.items():
            getattr(shell, name)[:] = original
        vars(shell).pop("showtraceback", None)  # an instance attribute would shadow the method

    # After each cell as well as before: the kernel transforms a cell's code before it runs.
    shell.events.register("pre_run_cell", put_back)
    shell.events.register("post_run_cell", put_back)


def forbidden_path(path: str, course_dirs: tuple[Path, ...], notebook_dir: Path) -> bool:
    """Whether a graded notebook may not open ``path``: a notebook, text twin, database or git
    object anywhere, or a file in a folder of a course (``course_dirs``) that holds answers,
    hidden tests or other students' work, except the graded notebook's own folder."""
    resolved = Path(os.path.abspath(path))
    if resolved.name.endswith(FORBIDDEN_SUFFIXES) or ".git" in resolved.parts:
        return True
    if resolved == notebook_dir or notebook_dir in resolved.parents:
        return False
    return any(course / folder == resolved or course / folder in resolved.parents
               for course in course_dirs for folder in FORBIDDEN_FOLDERS)


def _file_guard(course_dirs: tuple[Path, ...], notebook_dir: Path):
    """An audit hook refusing what :data:`FORBIDDEN_EVENTS` lists, databases other than in
    memory, and opening a forbidden path (see :func:`forbidden_path`)."""

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            if isinstance(args[0], (str, bytes, os.PathLike)) and forbidden_path(os.fsdecode(args[0]), course_dirs,
                                                                                 notebook_dir):
                raise PermissionError(f"a graded notebook may not open {os.fsdecode(args[0])!r}")
        elif event in FORBIDDEN_EVENTS or event.startswith("os.exec") or event.startswith("os.spawn"):
            raise PermissionError(f"a graded notebook may not start other programs ({event})")
        elif event == "sqlite3.connect" and args and args[0] not in (":memory:", b":memory:"):
            raise PermissionError("a graded notebook may not open a database")

    return hook
