"""The *grade* stage of ``course grade``: one staged submission in, its graded notebook out.

:func:`grade` is a pure function from data to data: the assignment's :class:`Template` (what
``nbgrader generate_assignment`` recorded about its cells, read once on the instructor's side),
one :class:`Task` (a student's staged notebook and files, as bytes) and :class:`Settings` (the
course's nbgrader configuration and the notebook's time budget) give a :class:`Graded` result
(the graded notebook's bytes, every grade and comment nbgrader computed, the executor's notes).
It needs neither the course folder nor its gradebook, so it runs alike in a local process pool
and on the workers of a dask.distributed cluster, which share no file system with the
instructor.

It runs nbgrader's own autograde preprocessors through its Python API, in the two passes
``nbgrader autograde`` makes (``Autograde.sanitize_preprocessors`` then
``Autograde.autograde_preprocessors``, as configured in ``nbgrader_config.py``, the course's
executor chain included). Those preprocessors read and write a gradebook
(``OverwriteCells`` and ``CheckCellMetadata`` compare the submission with the template's cells,
``SaveAutoGrades`` records the scores): each task gets a private one, built from the template's
data in the worker's temporary folder, outside the folder the kernel sees, and read back into
:class:`Graded`. The *merge* stage (``course.grade``) writes those rows into the course's
gradebook, as ``nbgrader autograde`` would have.

A worker process pays nbgrader's imports once (:func:`warm_up`), not once per notebook.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pickle
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatch
from pathlib import Path

import nbformat
import psutil
from nbconvert.exporters import NotebookExporter
from nbgrader.converters import Autograde
from nbgrader.utils import parse_utc, setenv
from traitlets.config import Config, PyFileConfigLoader

from . import cell_metadata  # noqa: F401 - nbgrader's cell checks, each schema checked once
from .gradebook import Gradebook
from .process_exit import on_exit
from .sandbox import SandboxedKernelManager

COURSE_ID = "dl-ground-up"
TIMESTAMP = "timestamp.txt"
STUDENT = "student"  # the only student of a task's private gradebook
AUTOGRADE_ENV = {"NBGRADER_EXECUTION": "autograde"}  # as nbgrader autograde runs kernels
log = logging.getLogger("course.engine")


# ---------------------------------------------------------------- the data a task carries

@dataclass(frozen=True)
class NotebookCells:
    """What generating an assignment recorded about one of its notebooks (nbgrader's gradebook
    rows, as plain values): ``grade_cells`` (name, max_score, cell_type), ``solution_cells``
    (names), ``task_cells`` (name, max_score, cell_type) and ``source_cells`` (name, cell_type,
    locked, source, checksum), each in the gradebook's order; ``kernelspec``, the source
    notebook's kernel as JSON text (nbgrader's ``OverwriteKernelspec`` gives it to every
    submission, whatever kernel the student's Jupyter named)."""

    name: str
    grade_cells: tuple[tuple, ...]
    solution_cells: tuple[str, ...]
    task_cells: tuple[tuple, ...]
    source_cells: tuple[tuple, ...]
    kernelspec: str | None = None


@dataclass(frozen=True)
class Template:
    """One assignment as the instructor generated it: its due date, its notebooks' cells,
    ``gradebook``, the bytes of the gradebook (SQLite) where it was generated, holding no
    submission (each task grades into a copy of it: a new gradebook costs seconds, since
    nbgrader runs the ``alembic`` program for its schema version and commits every cell alone),
    and the files of ``source/<id>/`` (relative path -> bytes) that overwrite a student's."""

    assignment: str
    duedate: datetime | None
    notebooks: tuple[NotebookCells, ...]
    gradebook: bytes
    files: tuple[tuple[str, bytes], ...] = ()

    @property
    def digest(self) -> str:
        """Identifies the template's content (a worker keeps each one it was given by it)."""
        return hashlib.sha256(pickle.dumps((self.assignment, self.duedate, self.notebooks, self.files))).hexdigest()[:20]


@dataclass(frozen=True)
class Task:
    """One student's staged submission of one assignment: the notebook ``<assignment>.ipynb``
    (bytes) and the other files (relative path, "/"-separated -> bytes)."""

    student: str
    assignment: str
    notebook: bytes
    files: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class Settings:
    """How to grade: the course's nbgrader configuration (a traitlets ``Config``, as loaded from
    ``nbgrader_config.py`` by :func:`load_settings`) and the wall-clock seconds one notebook
    may take, whatever happens inside it."""

    config: Config
    notebook_timeout: float = 120.0


@dataclass
class Graded:
    """What grading one :class:`Task` produced.

    ``notebook`` is the graded notebook (JSON bytes; None when nbgrader could not grade it, and
    ``error`` says why). ``grades`` maps every grade cell's id to (auto_score or None,
    needs_manual_grade, max_score, cell_type); ``comments`` every solution cell's id to its
    auto_comment; ``late_penalty`` and ``timestamp`` are the submission's, as nbgrader records
    them. ``recovered`` lists the lost kernel messages the executor recovered
    (``course.execution``); ``stopped`` says the notebook exceeded its time budget and was
    stopped; ``seconds`` is the wall-clock time of grading it, and ``timings`` how much of it
    went to starting kernels, running cells and stopping kernels (``course.timing.PhaseTimes``)."""

    student: str
    assignment: str
    notebook: bytes | None = None
    grades: dict[str, tuple] = field(default_factory=dict)
    comments: dict[str, str | None] = field(default_factory=dict)
    late_penalty: float | None = None
    timestamp: datetime | None = None
    recovered: list[dict] = field(default_factory=list)
    stopped: bool = False
    error: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def scores(self) -> dict[str, tuple[float, float]]:
        """(score, max_score) of each autograded (code) grade cell, by grade id."""
        return {name: (float(auto or 0.0), float(top)) for name, (auto, _, top, kind) in self.grades.items()
                if kind == "code"}


def load_settings(root: Path, notebook_timeout: float = 120.0) -> Settings:
    """The :class:`Settings` of the course at ``root`` (its ``nbgrader_config.py``)."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return Settings(config, notebook_timeout)


# ---------------------------------------------------------------- templates, on the instructor's side

def read_template(db: Path, assignment: str, source: Path, ignore: list[str]) -> Template:
    """The :class:`Template` of ``assignment`` from the gradebook ``db`` where it was generated
    (and which holds no submission), and the files of its ``source`` folder (all but notebooks
    and the ``ignore`` patterns, nbgrader's ``CourseDirectory.ignore``)."""
    with Gradebook(f"sqlite:///{db}", COURSE_ID) as gb:
        found = gb.find_assignment(assignment)
        notebooks = tuple(NotebookCells(
            nb.name,
            tuple((c.name, c.max_score, c.cell_type) for c in nb.grade_cells),
            tuple(c.name for c in nb.solution_cells),
            tuple((c.name, c.max_score, c.cell_type) for c in nb.task_cells),
            tuple((c.name, c.cell_type, c.locked, c.source, c.checksum) for c in nb.source_cells),
            nb.kernelspec)
            for nb in found.notebooks)
        duedate = found.duedate
    files = tuple((path, (source / path).read_bytes()) for path in kept_files(source, ignore + ["*.ipynb"]))
    return Template(assignment, duedate, notebooks, db.read_bytes(), files)


def kept_files(folder: Path, ignore: list[str]) -> list[str]:
    """Relative paths of the files under ``folder`` that nbgrader copies (none of whose path
    parts matches an ``ignore`` pattern, as ``nbgrader.utils.is_ignored`` decides)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
                  and not any(fnmatch(part, pattern) for part in p.relative_to(folder).parts for pattern in ignore))


def define_assignment(gb: Gradebook, template: Template) -> None:
    """Make the gradebook ``gb`` know the template's assignment, notebooks and cells, as
    ``nbgrader generate_assignment`` recorded them."""
    gb.update_or_create_assignment(template.assignment, duedate=template.duedate)
    for nb in template.notebooks:
        gb.update_or_create_notebook(nb.name, template.assignment, kernelspec=nb.kernelspec)
        for name, max_score, kind in nb.grade_cells:
            gb.update_or_create_grade_cell(name, nb.name, template.assignment, max_score=max_score, cell_type=kind)
        for name in nb.solution_cells:
            gb.update_or_create_solution_cell(name, nb.name, template.assignment)
        for name, max_score, kind in nb.task_cells:
            gb.update_or_create_task_cell(name, nb.name, template.assignment, max_score=max_score, cell_type=kind)
        for name, kind, locked, source, checksum in nb.source_cells:
            gb.update_or_create_source_cell(name, nb.name, template.assignment, cell_type=kind, locked=locked,
                                            source=source, checksum=checksum)


# ---------------------------------------------------------------- the worker

def _memory_folder() -> str | None:
    """A folder in memory (``/dev/shm``) where there is one: each task's gradebook commits a
    few dozen times (nbgrader's autograde), which on a disk means as many waits for it."""
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


_TEMPLATES: dict[str, Template] = {}  # this worker's templates, by digest
_LIBRARY: list[Path] = []  # this worker's private copy of `utils`, once made


def warm_up(templates: tuple[Template, ...] = (), settings: Settings | None = None) -> None:
    """Prepare a worker process: nbgrader and the executor chain imported (at this module's
    import), the kernels' environment set, ``templates`` kept for the tasks that name them by
    digest, and, given the ``settings`` kernels will start with, their warm process started in
    the background (``course.sandbox``), so that the first kernel need not wait for its
    imports. A process pool's initializer."""
    for template in templates:
        _TEMPLATES[template.digest] = template
    if _LIBRARY:
        return
    # Kernels import a private copy of the course library, so `utils.__file__` leads nobody to
    # the folder it was installed from (the course, on the instructor's machine).
    found = importlib.util.find_spec("utils")
    if found and found.origin:
        library = Path(tempfile.mkdtemp(prefix="grading-library-"))
        shutil.copytree(Path(found.origin).parent, library / "utils", ignore=shutil.ignore_patterns("__pycache__"))
        sys.path.insert(0, str(library))
        sys.modules.pop("utils", None)
        importlib.invalidate_caches()
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(library), os.environ.get("PYTHONPATH")]))
        _LIBRARY.append(library)
        on_exit(shutil.rmtree, library, True)
    # nbgrader and the kernels start programs by name: this interpreter's scripts first.
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    # One BLAS thread per kernel: the kernels already share the cores, and BLAS threads on top
    # of them made two notebooks at once no faster than one (benchmarks/RESULTS.md).
    os.environ |= dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
    os.environ.pop("NBGRADER_EXECUTION", None)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    log.setLevel(logging.ERROR)
    if settings is not None:
        kernels = SandboxedKernelManager(config=settings.config)
        threading.Thread(target=kernels.start_warm_process, args=({**os.environ, **AUTOGRADE_ENV},),
                         daemon=True).start()


def grade_task(task: Task, template: Template | str, settings: Settings) -> Graded:
    """:func:`grade` in a worker: ``template`` may be the digest of one given to
    :func:`warm_up`. Never raises for anything the submission holds."""
    warm_up()
    if isinstance(template, str):
        template = _TEMPLATES[template]
    return grade(template, task, settings)


def grade(template: Template, task: Task, settings: Settings) -> Graded:
    """Autograde ``task`` against ``template`` with nbgrader's preprocessors (module docstring).

    Returns
    -------
    Graded
        The graded notebook and grades; ``error`` set (and ``notebook`` None) when nbgrader
        could not grade it, ``stopped`` when it exceeded ``settings.notebook_timeout`` seconds.
    """
    start = time.perf_counter()
    result = Graded(task.student, task.assignment)
    # The kernel's folder holds the submission's files only; the gradebook is in another folder,
    # of a random name, out of the kernel's sight (and reach, where kernels are not sandboxed).
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp, \
            tempfile.TemporaryDirectory(prefix="book-", dir=_memory_folder()) as book:
        folder = Path(tmp) / task.assignment
        db_url = f"sqlite:///{Path(book) / 'gradebook.db'}"
        files = dict(task.files)
        result.timestamp = _timestamp(files)
        _write_files(folder, [(n, d) for n, d in files.items() if not _ignored(n, settings)] + list(template.files))
        path = folder / f"{task.assignment}.ipynb"
        path.write_bytes(task.notebook)
        (Path(book) / "gradebook.db").write_bytes(template.gradebook)
        with Gradebook(db_url, COURSE_ID) as gb:
            gb.update_or_create_student(STUDENT)
            with gb.db.no_autoflush:  # nbgrader's add_submission warns about its own objects otherwise
                gb.update_or_create_submission(task.assignment, STUDENT,
                                               **({"timestamp": result.timestamp} if result.timestamp else {}))
        resources = {"unique_key": task.assignment, "output_files_dir": f"{task.assignment}_files",
                     "nbgrader": {"student": STUDENT, "assignment": task.assignment,
                                  "notebook": task.assignment, "db_url": db_url}}
        own_words = {str(folder): f"autograded/{task.student}/{task.assignment}", tmp: "the grading folder",
                     **{str(library): "the course library" for library in _LIBRARY}}
        try:
            deadline = start + settings.notebook_timeout  # the budget covers the whole of grading
            result.notebook = in_own_words(_autograde(path, resources, settings, deadline, result), own_words)
        except Exception as error:  # nbgrader's own failure on this notebook: no score kept
            result.error = _replace(f"{type(error).__name__}: {error}", own_words)[:500]
        if result.notebook is not None and not result.stopped:
            _read_back(db_url, task.assignment, result)
    result.seconds = round(time.perf_counter() - start, 2)
    return result


def _replace(text: str, words: dict[str, str]) -> str:
    for old, new in words.items():
        text = text.replace(old, new)
    return text


def in_own_words(notebook: bytes, words: dict[str, str]) -> bytes:
    """The graded ``notebook`` (its outputs go back to the student as feedback) with each of
    the worker's folders (the keys of ``words``) named as the course knows it (the values)."""
    nb = nbformat.reads(notebook.decode("utf-8"), as_version=4)
    for output in (o for cell in nb.cells for o in cell.get("outputs", [])):
        for holder, key in ((output, "text"), (output, "evalue"), (output.get("data", {}), "text/plain")):
            if isinstance(holder.get(key), str):
                holder[key] = _replace(holder[key], words)
        if "traceback" in output:
            output["traceback"] = [_replace(line, words) for line in output["traceback"]]
    return nbformat.writes(nb).encode("utf-8")


def _timestamp(files: dict[str, bytes]) -> datetime | None:
    """The submission's time from its ``timestamp.txt``, as nbgrader reads it (intake has
    dropped one that cannot be parsed)."""
    text = files.get(TIMESTAMP, b"").decode("utf-8", "replace").strip()
    try:
        return parse_utc(text) if text else None
    except (ValueError, OverflowError):
        return None


def _ignored(name: str, settings: Settings) -> bool:
    ignore = settings.config.CourseDirectory.get("ignore", [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"])
    return name.endswith(".ipynb") or any(fnmatch(part, p) for part in name.split("/") for p in ignore)


def _write_files(folder: Path, files: list[tuple[str, bytes]]) -> None:
    folder.mkdir(parents=True)
    for name, data in files:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _exporter(settings: Settings, stage: str) -> NotebookExporter:
    """nbconvert's notebook exporter with nbgrader's preprocessors of one autograde ``stage``
    ("sanitize_preprocessors" or "autograde_preprocessors"), configured as the course says."""
    config = Config(settings.config)
    config.merge(Config({"Exporter": {"default_preprocessors": []}}))
    exporter = NotebookExporter(config=config, log=log)
    for preprocessor in getattr(Autograde(config=config, log=log), stage):
        exporter.register_preprocessor(preprocessor)  # as nbgrader registers them
    return exporter


def _autograde(path: Path, resources: dict, settings: Settings, deadline: float, result: Graded) -> bytes:
    """The two passes of ``nbgrader autograde`` on the notebook at ``path`` (rewritten in
    place); the graded notebook's bytes. Stops its kernel at ``deadline`` (``time.perf_counter``)."""
    sanitized, _ = _exporter(settings, "sanitize_preprocessors").from_filename(str(path), resources=_copy(resources))
    path.write_text(sanitized, encoding="utf-8")
    exporter = _exporter(settings, "autograde_preprocessors")
    executors = [p for p in exporter._preprocessors if hasattr(p, "create_kernel_manager")]
    watchdog = threading.Timer(max(0.0, deadline - time.perf_counter()), _stop, args=(executors, result))
    watchdog.daemon = True
    watchdog.start()
    try:
        with setenv(**AUTOGRADE_ENV):
            graded, _ = exporter.from_filename(str(path), resources=_copy(resources))
    finally:
        watchdog.cancel()
    for executor in executors:
        result.recovered += list(getattr(executor, "recovered", []))
        result.timings |= {k: round(v, 3) for k, v in getattr(executor, "timings", {}).items()}
    return graded.encode("utf-8")


def _copy(resources: dict) -> dict:
    return {**resources, "nbgrader": dict(resources["nbgrader"])}


def _stop(executors: list, result: Graded) -> None:
    """The notebook's time budget is over: no cell is run any more, and its kernel (a process
    ignoring interrupts, or a very slow notebook) is killed with every process it started."""
    result.stopped = True
    for executor in executors:
        if hasattr(executor, "max_restarts"):  # course.kernel_crash: no restart, later cells not run
            executor.max_restarts = -1
        process = getattr(getattr(getattr(executor, "km", None), "provisioner", None), "process", None)
        if process is None:
            continue
        try:
            family = psutil.Process(process.pid)
            for member in family.children(recursive=True) + [family]:
                member.kill()
        except psutil.NoSuchProcess:
            pass


def _read_back(db_url: str, assignment: str, result: Graded) -> None:
    """The grades, comments and late penalty nbgrader recorded in the task's gradebook."""
    with Gradebook(db_url, COURSE_ID) as gb:
        notebook = gb.find_submission_notebook(assignment, assignment, STUDENT)
        result.grades = {g.name: (g.auto_score, g.needs_manual_grade, g.max_score, g.cell_type) for g in notebook.grades}
        result.comments = {c.name: c.auto_comment for c in notebook.comments}
        result.late_penalty = notebook.late_submission_penalty
