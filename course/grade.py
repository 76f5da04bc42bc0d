"""`course grade`: autograde a cohort's submissions with real nbgrader, in parallel and safely.

Every ``submitted/<student>/<assignment>/`` folder is graded by ``nbgrader autograde`` in a
*work unit*: a temporary copy of the course (config, sources, a gradebook of its own) holding
staged copies of the submissions. Units run side by side behind a ``concurrent.futures.Executor``,
so SQLite is never written by two processes at once and no submission can reach the course's
gradebook through a relative path. The main process then merges each unit's results into the
course's ``gradebook.db`` (nbgrader's ``Gradebook`` API) and its graded notebooks into
``autograded/``.

One nbgrader run grades a unit's whole queue, whatever its assignments (nbgrader takes the
assignment id as a glob), because starting nbgrader costs seconds. The units of a round share
one queue instead of splitting it in advance: each holds every submission, staged so that its
nbgrader starts at a different place, and claims each submission as its nbgrader reaches it;
the claim marks it done in the other units, whose nbgrader then skips it. So no unit sits idle
while another still has notebooks to grade, however unevenly slow they are (a notebook looping
until the cell time limit takes ten times an ordinary one). A watchdog gives each notebook its
own wall-clock budget: a notebook that exceeds it is stopped (nbgrader and its kernel killed)
and nbgrader is started again on the rest of the queue.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from .execution import recoveries_in
from .grading import COURSE_ID, read_scores, scratch_course, stderr_test_cells
from .nbgrader_run import environment
from .notebooks import autograded_points, find_chapters, is_test_cell
from .intake import grade_id, read_folder, write_staged
from .kernel_crash import CRASHED, NOT_RUN
from .sandbox import notice

HUGE_OUTPUT_BYTES = 5_000_000
INTERRUPTED = {"CellTimeoutError", "KeyboardInterrupt"}


@dataclass
class GradeOutcome:
    """What happened to one student's submission of one assignment.

    ``status`` is "graded" (the notebook ran to its end), "partly graded" (scores exist but
    some cell was stopped at the time limit, or crashed the kernel, which was restarted: later
    cells may have lost points for it),
    "not graded" (no score: see ``reason``) or "unchanged" (same files as the last run, whose
    scores are repeated). ``scores`` maps each autograded test cell's grade id to
    ``(score, max_score)``. ``digest`` identifies the submitted files.
    """

    student: str
    assignment: str
    status: str
    score: float = 0.0
    max_score: float = 0.0
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)
    reason: str = ""
    needs_review: list[str] = field(default_factory=list)
    seconds: float = 0.0
    digest: str = ""


@dataclass(frozen=True)
class Unit:
    """A worker's queue of staged submissions, of one or several assignments.

    Submission ``i`` of the queue is staged as student ``alias(i)``: nbgrader goes through
    submissions in sorted order, so this unit starts at ``start`` and goes round the queue.
    With ``claims`` (a folder shared by the units of a round), a unit grades only what it
    claims first, and marks each claim in its ``peers`` (their course folders and starts)."""

    template: Path    # a scratch course where every assignment graded is generated
    library: Path     # a folder holding a private copy of `utils`, first on the kernels' path
    folder: Path      # the unit's own folder: its course copy and, outside it, its gradebook
    submissions: tuple[tuple[str, str], ...]  # the queue: (student, assignment)
    timeout: float    # wall-clock seconds for one notebook
    start: int = 0
    claims: Path | None = None
    peers: tuple[tuple[Path, int], ...] = ()

    @property
    def course(self) -> Path:
        return self.folder / "course"

    @property
    def db(self) -> Path:
        return self.folder / "db" / "gradebook.db"

    def alias(self, index: int, start: int | None = None) -> str:
        """The student id submission ``index`` is staged under (in a unit starting at ``start``)."""
        return f"{(index - (self.start if start is None else start)) % len(self.submissions):05d}"

    def index(self, alias: str) -> int:
        """The queue position of the submission staged as ``alias``."""
        return (int(alias) + self.start) % len(self.submissions)

    def submission(self, alias: str) -> tuple[str, str]:
        return self.submissions[self.index(alias)]

    def mark_done(self, index: int, course: Path | None = None, start: int | None = None) -> None:
        """Make nbgrader skip submission ``index`` in this unit's course (or in a peer's
        ``course`` starting at ``start``): it skips a submission whose result folder exists."""
        folder = (course or self.course) / "autograded" / self.alias(index, start) / self.submissions[index][1]
        folder.mkdir(parents=True, exist_ok=True)

    def claim(self, alias: str) -> bool:
        """Take the submission staged as ``alias`` for this unit; False if another unit has it."""
        if self.claims is None:
            return True
        index = self.index(alias)
        try:
            (self.claims / str(index)).mkdir()  # atomic: exactly one unit succeeds
        except (FileExistsError, FileNotFoundError):  # taken, or the round's claims were deleted
            return False
        for course, start in self.peers:
            self.mark_done(index, course, start)
        return True

    def skip_claimed(self) -> None:
        """Mark as done here every submission another unit has claimed."""
        for claim in self.claims.iterdir() if self.claims and self.claims.is_dir() else ():
            if claim.name.isdigit() and int(claim.name) < len(self.submissions):  # else a notebook's doing
                self.mark_done(int(claim.name))


# ---------------------------------------------------------------- finding and staging submissions

def folder_digest(folder: Path) -> str:
    """A hash of every file's relative path and bytes under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted((p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()), key=os.fsencode):
        digest.update(os.fsencode(path.relative_to(folder)) + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def printable(name: str) -> str:
    """A file name as text that can be printed and stored: bytes that are not UTF-8 escaped."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def submission_digest(folder: Path) -> tuple[str, str]:
    """(:func:`folder_digest` of the submission ``folder``, "") or ("", why it cannot be graded
    at all: its own name is not text, or its files cannot be read). Odd names inside it are
    intake's to repair."""
    if printable(folder.parent.name) != folder.parent.name or printable(folder.name) != folder.name:
        return "", (f"the folder name submitted/{printable(folder.parent.name)}/{printable(folder.name)} is not "
                    "UTF-8 text; rename it to the student's id and the assignment's")
    try:
        return folder_digest(folder), ""
    except OSError as error:
        return "", f"a file of the submission cannot be read ({error.strerror}: {printable(str(error.filename))})"


def find_submissions(root: Path, assignments: list[str] | None) -> list[tuple[str, str]]:
    """(student, assignment) of every folder ``submitted/<student>/<assignment>/``."""
    submitted = root / "submitted"
    if not submitted.is_dir():
        return []
    found = [(s.name, a.name) for s in sorted(submitted.iterdir()) if s.is_dir()
             for a in sorted(s.iterdir()) if a.is_dir()]
    return [(s, a) for s, a in found if not assignments or a in assignments]


def stage(folder: Path, dest: Path, assignment: str, release, source) -> tuple[str, list[str]]:
    """Stage the submission ``folder`` in ``dest`` as a gradable ``<assignment>.ipynb`` and its
    files (``course.intake``; ``release`` and ``source`` are the assignment's student and
    instructor notebooks). Whatever the folder holds, only this submission is affected.

    Returns (why it cannot be graded, or "", notes for a human)."""
    try:
        staged = read_folder(folder, assignment, release, source)
        if not staged.problem:
            write_staged(staged, dest)
        return staged.problem, staged.notes
    except Exception as error:  # a kind nobody foresaw: this student's problem, nobody else's
        return f"the submission could not be read ({type(error).__name__}: {error})"[:300], []


# ---------------------------------------------------------------- one work unit (runs in a worker)

def _kill_tree(process: subprocess.Popen) -> None:
    """Kill nbgrader and every process it started (kernels run in sessions of their own)."""
    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    process.kill()
    for child in family:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    process.wait()


@dataclass
class _Run:
    """What the watchdog saw of one student's notebook."""

    seconds: float = 0.0
    killed: bool = False
    log: str = ""


STARTED = re.compile(r"Creating/updating student with ID '([^']+)'")  # nbgrader begins a submission


def autograde_watched(unit: Unit, env: dict[str, str]) -> tuple[dict[str, _Run], str]:
    """``nbgrader autograde`` of the unit's queue, each notebook within the unit's wall-clock
    budget. nbgrader is stopped, and started again on what it had not reached, when a notebook
    exceeds its budget or when it begins one that another unit claimed first.

    Returns what happened to each submission this unit claimed (by alias), and the whole log."""
    runs: dict[str, _Run] = {}
    reached: set[str] = set()
    log = ""
    command = [sys.executable, "-m", "nbgrader", "autograde", "*", f"--CourseDirectory.db_url=sqlite:///{unit.db}"]
    while _left_to_grade(unit, reached):
        process = subprocess.Popen(command, cwd=unit.course, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, errors="replace")
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
        try:
            stop, log = _watch(unit, lines, runs, reached, log)
        except BaseException:  # nbgrader never outlives its watchdog
            _kill_tree(process)
            raise
        if not stop:
            process.wait()
            break
        _kill_tree(process)
    return runs, log


def _watch(unit: Unit, lines: queue.Queue, runs: dict[str, _Run], reached: set[str], log: str) -> tuple[bool, str]:
    """Follow one nbgrader run's output: record each submission it begins, and tell when it
    must be stopped (a notebook over its budget, or a submission another unit claimed first).
    Returns (whether to stop it, the unit's log so far)."""
    current, started = None, time.perf_counter()
    while True:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            line = ""
        if line is None:  # nbgrader has finished
            return False, log
        log += line
        now = time.perf_counter()
        match = STARTED.search(line)
        if match:
            current, started = match.group(1), now
            reached.add(current)
            if not unit.claim(current):  # another unit began it first: it is theirs
                return True, log
            runs[current] = _Run()
        if current:
            runs[current].log += line
            runs[current].seconds = now - started
            if now - started > unit.timeout:
                runs[current].killed = True
                return True, log


def _left_to_grade(unit: Unit, reached: set[str]) -> bool:
    """Whether the unit's queue holds a submission nbgrader has not reached and no unit claimed.
    Those it reached (graded, stopped or someone else's) are taken out of its course."""
    for alias in reached:
        shutil.rmtree(unit.course / "submitted" / alias, ignore_errors=True)
    if unit.claims and not unit.claims.is_dir():  # deleted by a notebook: the round is over
        return False
    unit.skip_claimed()
    return any(not (unit.course / "autograded" / alias / assignment).exists()
               for alias, assignment in ((p.parent.name, p.name) for p in (unit.course / "submitted").glob("*/*")))


def _pump(stream, lines: queue.Queue) -> None:
    """Copy a process's output lines into a queue, then None at its end."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def output_bytes(nb) -> int:
    """The size of what the notebook's cells output, in bytes of JSON (images pasted into
    markdown cells are attachments, not output)."""
    return sum(len(json.dumps(cell.get("outputs", []))) for cell in nb.cells)


def _cell_label(cell, index: int) -> str:
    return grade_id(cell) or f"#{index + 1}"


def judge(unit: Unit, alias: str, run: _Run, log: str) -> GradeOutcome:
    """The outcome of the notebook staged as ``alias``, from the unit's gradebook and
    autograded notebook (``log`` is the unit's nbgrader log), in words that name the student
    and the course's own folders."""
    outcome = _judge(unit, alias, run, log)
    outcome.reason = in_own_words(outcome.reason, unit, alias)
    outcome.needs_review = [in_own_words(note, unit, alias) for note in outcome.needs_review]
    return outcome


def in_own_words(text: str, unit: Unit, alias: str) -> str:
    """``text`` from nbgrader or a kernel about the submission staged as ``alias``, with the
    real student and the course's folders instead of the alias and the unit's temporary ones."""
    student, assignment = unit.submission(alias)
    for folder in ("submitted", "autograded"):
        text = text.replace(str(unit.course / folder / alias), f"{folder}/{student}")
    text = text.replace(str(unit.course), "the course folder").replace(str(unit.folder), "the grading folder")
    text = text.replace(str(unit.library), "the course library")
    return text.replace(f"'{alias}'", f"'{student}'").replace(f"/{alias}/", f"/{student}/")


def outputs_in_own_words(path: Path, unit: Unit, alias: str) -> None:
    """Rewrite the graded notebook at ``path`` (its outputs go back to the student as feedback)
    so that its messages and tracebacks name the student's folders (:func:`in_own_words`)."""
    nb = nbformat.read(path, as_version=4)
    for output in (o for cell in nb.cells for o in cell.get("outputs", [])):
        for holder, key in ((output, "text"), (output, "evalue"), (output.get("data", {}), "text/plain")):
            if isinstance(holder.get(key), str):
                holder[key] = in_own_words(holder[key], unit, alias)
        if "traceback" in output:
            output["traceback"] = [in_own_words(line, unit, alias) for line in output["traceback"]]
    nbformat.write(nb, path)


def _judge(unit: Unit, alias: str, run: _Run, log: str) -> GradeOutcome:
    student, assignment = unit.submission(alias)
    outcome = GradeOutcome(student, assignment, "not graded", seconds=round(run.seconds, 2))
    if run.killed:
        outcome.reason = (f"stopped after {unit.timeout:g} s, the time budget of one notebook (a cell that "
                          "ignored the interrupt at the per-cell time limit, or a very slow notebook)")
        outcome.needs_review.append("exceeded the notebook's time budget")
        return outcome
    scores = read_scores(unit.course, assignment, alias, log, db=unit.db)
    if scores.error:
        died = "Kernel died" in run.log
        outcome.reason = ("the kernel died (a crash or os._exit); nbgrader keeps no score for such a notebook"
                          if died else scores.error)
        outcome.needs_review.append("the kernel died" if died else "nbgrader could not grade the notebook")
        return outcome
    outcome.scores = scores.scores
    outcome.score, outcome.max_score = scores.score, scores.max_score
    graded = unit.course / "autograded" / alias / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(graded, as_version=4)
    stopped, crashed, raised = [], [], []
    for index, cell in enumerate(nb.cells):
        for error in (o for o in cell.get("outputs", []) if o.get("output_type") == "error"):
            if error.ename in INTERRUPTED:
                stopped.append(_cell_label(cell, index))
            elif error.ename == CRASHED:
                crashed.append(_cell_label(cell, index))
            elif not is_test_cell(cell) and error.ename != NOT_RUN:  # failing tests are ordinary lost points
                raised.append(f"cell {_cell_label(cell, index)} raised {error.ename}: {error.evalue}"[:200])
    stopped = list(dict.fromkeys(stopped))  # a stopped cell holds two errors: timeout, interrupt
    outcome.status = "partly graded" if stopped or crashed else "graded"
    reasons = [f"cell {c} was stopped at the per-cell time limit" for c in stopped]
    reasons += [f"the kernel died in cell {c} (a crash: very deep recursion, memory, a C extension); "
                "the points of the other cells are kept" for c in crashed] + raised[:3]
    if len(raised) > 3:
        reasons.append(f"{len(raised) - 3} more cells raised errors")
    outcome.reason = "; ".join(reasons)
    outcome.needs_review += [f"test cell {g} wrote to stderr (nbgrader scores it zero)"
                             for g in stderr_test_cells(nb)]
    if stopped:
        outcome.needs_review.append("a cell ran until the per-cell time limit")
    outcome.needs_review += [f"the kernel died in cell {c}" for c in crashed]
    outcome.needs_review += recovered_messages(run.log, nb)
    size = output_bytes(nb)
    if size > HUGE_OUTPUT_BYTES:
        outcome.needs_review.append(f"huge output: the notebook's cells printed {size / 1e6:.0f} MB")
    return outcome


def recovered_messages(log: str, nb) -> list[str]:
    """One note per kernel message lost while the notebook ran and recovered
    (``course.execution``): no points were lost, but the run was not an ordinary one."""
    notes = []
    for index, action, seconds in recoveries_in(log):
        cell = _cell_label(nb.cells[index], index) if index < len(nb.cells) else f"#{index + 1}"
        what = "its reply was rebuilt from the kernel's output" if action == "rebuilt reply" else (
            "the kernel dropped the request, so the cell was run again")
        notes.append(f"a kernel message of cell {cell} was lost after {seconds:.0f} s and recovered: "
                     f"{what} (no points lost)")
    return notes


def prepare_unit(unit: Unit, staged: Path) -> None:
    """Make the unit's course copy, its gradebook (outside the course folder, so a notebook
    that deletes ``../../../gradebook.db``, the usual place, finds nothing there) and its queue."""
    shutil.copytree(unit.template, unit.course, ignore=shutil.ignore_patterns("gradebook.db", "release"))
    unit.db.parent.mkdir(parents=True)
    shutil.copy(unit.template / "gradebook.db", unit.db)
    for index, (student, assignment) in enumerate(unit.submissions):
        shutil.copytree(staged / student / assignment, unit.course / "submitted" / unit.alias(index) / assignment)


def grade_unit(unit: Unit) -> list[GradeOutcome]:
    """Grade a prepared unit's queue; the outcomes of the submissions it claimed."""
    env = environment() | {"PYTHONPATH": os.pathsep.join(filter(None, [str(unit.library), os.environ.get("PYTHONPATH")]))}
    # One BLAS thread per kernel: the units' kernels already share the cores, and BLAS threads
    # on top of them made two parallel units no faster than one (benchmarks/RESULTS.md).
    env |= dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
    runs, log = autograde_watched(unit, env)
    # A unit of a shared round answers for what it claimed; one grading alone, for everything.
    aliases = sorted(runs) if unit.claims else [unit.alias(i) for i in range(len(unit.submissions))]
    return [judge(unit, alias, runs.get(alias, _Run()), log) for alias in aliases]


# ---------------------------------------------------------------- merging into the course

def copy_assignment(source, target, assignment: str) -> None:
    """Make gradebook ``target`` know ``assignment``'s notebooks and cells as ``source`` does."""
    found = source.find_assignment(assignment)
    target.update_or_create_assignment(assignment, duedate=found.duedate)
    for nb in found.notebooks:
        target.update_or_create_notebook(nb.name, assignment)
        for c in nb.grade_cells:
            target.update_or_create_grade_cell(c.name, nb.name, assignment, max_score=c.max_score, cell_type=c.cell_type)
        for c in nb.solution_cells:
            target.update_or_create_solution_cell(c.name, nb.name, assignment)
        for c in nb.task_cells:
            target.update_or_create_task_cell(c.name, nb.name, assignment, max_score=c.max_score, cell_type=c.cell_type)
        for c in nb.source_cells:
            target.update_or_create_source_cell(c.name, nb.name, assignment, cell_type=c.cell_type,
                                                locked=c.locked, source=c.source, checksum=c.checksum)


def merge_submission(target, source, assignment: str, student: str, graded_as: str = "") -> None:
    """Replace ``student``'s submission in gradebook ``target`` by the one graded in ``source``
    as student ``graded_as`` (zero everywhere when ``source`` is None: a submission that could
    not be graded)."""
    from nbgrader.api import MissingEntry

    target.update_or_create_student(student)
    try:
        target.remove_submission(assignment, student)
    except MissingEntry:
        pass
    graded = source.find_submission(assignment, graded_as) if source else None
    stamp = {"timestamp": graded.timestamp} if graded and graded.timestamp else {}
    with target.db.no_autoflush:  # nbgrader's add_submission warns about its own objects otherwise
        fresh = target.add_submission(assignment, student, **stamp)
    for nb in fresh.notebooks:
        for grade in nb.grades:
            if graded:
                origin = source.find_grade(grade.name, nb.name, assignment, graded_as)
                grade.auto_score, grade.needs_manual_grade = origin.auto_score, origin.needs_manual_grade
            else:
                grade.auto_score, grade.needs_manual_grade = 0.0, False
        for comment in nb.comments if graded else []:
            comment.auto_comment = source.find_comment(comment.name, nb.name, assignment, graded_as).auto_comment
    target.db.commit()


def merge_outcomes(root: Path, template: Path, outcomes: list[GradeOutcome], unit: Unit | None = None) -> None:
    """Merge outcomes into ``root``'s gradebook and ``autograded/``: the graded ones from
    ``unit``, zero for those that could not be graded."""
    from contextlib import ExitStack

    from nbgrader.api import Gradebook

    if not (root / "gradebook.db").exists():  # start from the template's: a new one needs alembic
        shutil.copy(template / "gradebook.db", root / "gradebook.db")
    with ExitStack() as stack:
        target = stack.enter_context(Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID))
        known = stack.enter_context(Gradebook(f"sqlite:///{template / 'gradebook.db'}", COURSE_ID))
        source = stack.enter_context(Gradebook(f"sqlite:///{unit.db}", COURSE_ID)) if unit else None
        for assignment in dict.fromkeys(o.assignment for o in outcomes):
            copy_assignment(known, target, assignment)
        for outcome in outcomes:
            dest = root / "autograded" / outcome.student / outcome.assignment
            shutil.rmtree(dest, ignore_errors=True)
            if outcome.status in ("graded", "partly graded"):
                alias = unit.alias(unit.submissions.index((outcome.student, outcome.assignment)))
                merge_submission(target, source, outcome.assignment, outcome.student, alias)
                shutil.copytree(unit.course / "autograded" / alias / outcome.assignment, dest)
                outputs_in_own_words(dest / f"{outcome.assignment}.ipynb", unit, alias)
            else:
                merge_submission(target, None, outcome.assignment, outcome.student)


# ---------------------------------------------------------------- the whole cohort

class GradebookGuard:
    """A copy of the course gradebook taken before grading, put back if anything changes it."""

    def __init__(self, path: Path, backup: Path):
        self.path, self.backup = path, backup
        self.digest = self._digest(path)
        if self.digest:
            shutil.copy2(path, backup)

    @staticmethod
    def _digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""

    def restore_if_changed(self) -> bool:
        """Put the copy back when the gradebook changed; whether it had."""
        if self._digest(self.path) == self.digest:
            return False
        if self.digest:
            shutil.copy2(self.backup, self.path)
        else:
            self.path.unlink(missing_ok=True)
        return True


def load_previous(root: Path) -> dict[tuple[str, str], GradeOutcome]:
    """The outcomes of earlier runs, from ``reports/grading.json``."""
    path = root / "reports" / "grading.json"
    if not path.exists():
        return {}
    known = {f.name for f in dataclasses.fields(GradeOutcome)}
    outcomes = [GradeOutcome(**{k: v for k, v in d.items() if k in known}) for d in json.loads(path.read_text())]
    for o in outcomes:
        o.scores = {g: tuple(s) for g, s in o.scores.items()}
    return {(o.student, o.assignment): o for o in outcomes}


def save_outcomes(root: Path, latest: dict[tuple[str, str], GradeOutcome]) -> None:
    path = root / "reports" / "grading.json"
    path.parent.mkdir(exist_ok=True)
    rows = [dataclasses.asdict(latest[key]) for key in sorted(latest)]
    path.write_text(json.dumps(rows, indent=1) + "\n")


class Progress:
    """One line per finished submission: ``[12/40] alice ch01 26/26 3.1 s``."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.enabled = total, 0, enabled

    def __call__(self, outcome: GradeOutcome) -> None:
        self.done += 1
        if self.enabled:
            print(f"[{self.done}/{self.total}] {outcome.student} {outcome.assignment} "
                  f"{outcome.score:g}/{outcome.max_score:g} {outcome.seconds:.1f} s {outcome.status}"
                  + (f": {outcome.reason}" if outcome.reason and outcome.status == "not graded" else ""),
                  file=sys.stderr, flush=True)


def default_jobs() -> int:
    """One work unit more than the cores. A cell looping until its time limit ends on the
    clock, not on the CPU it burns, and a unit between notebooks leaves its core idle: a third
    unit on two cores graded the demo cohort 1.2 to 1.3 times as fast as two
    (benchmarks/RESULTS.md). No more than one extra, since a slow cell shares its core with more
    kernels and nears its time limit sooner."""
    return (os.cpu_count() or 1) + 1


def grade_submissions(root: Path, *, jobs: int | None = None, force: bool = False,
                      executor: Executor | None = None, notebook_timeout: float = 120.0,
                      progress: bool = True, assignments: list[str] | None = None) -> list[GradeOutcome]:
    """Autograde every ``submitted/<student>/<assignment>/`` of the course at ``root``.

    Parameters
    ----------
    root
        The course folder (holding ``nbgrader_config.py``, ``source/`` and ``submitted/``).
    jobs
        Work units graded at once (default: :func:`default_jobs`).
    force
        Grade submissions again even when their files did not change since the last run.
    executor
        Where the work units run (default: a thread pool of ``jobs`` threads, each driving an
        nbgrader process). Any ``concurrent.futures.Executor`` whose workers see the same file
        system, e.g. a ``dask.distributed`` ``Client``.
    notebook_timeout
        Wall-clock seconds one notebook may take, whatever happens inside it.
    progress
        Print one line per graded submission to stderr.
    assignments
        Grade only these assignments (default: all).

    Returns
    -------
    list of GradeOutcome
        One per submission, in (student, assignment) order. The latest outcome of each is also
        written to ``reports/grading.json``.
    """
    root = root.resolve()
    jobs = jobs or default_jobs()
    previous = load_previous(root)
    known = {c.id: c for c in find_chapters(root, None)}
    outcomes: dict[tuple[str, str], GradeOutcome] = {}
    todo: dict[str, list[tuple[str, str]]] = {}  # assignment -> [(student, digest)]
    for student, assignment in find_submissions(root, assignments):
        digest, problem = submission_digest(root / "submitted" / student / assignment)
        before = previous.get((student, assignment))
        if problem:
            student, assignment = printable(student), printable(assignment)
            outcomes[student, assignment] = GradeOutcome(student, assignment, "not graded", reason=problem)
        elif before and before.digest == digest and not force:
            outcomes[student, assignment] = dataclasses.replace(before, status="unchanged", seconds=0.0)
        elif assignment not in known:
            outcomes[student, assignment] = GradeOutcome(student, assignment, "not graded", digest=digest,
                                                         reason=f"no assignment {assignment} in source/")
        else:
            todo.setdefault(assignment, []).append((student, digest))
    report = Progress(sum(map(len, todo.values())), progress)
    if todo and notice():  # said once per run: nbgrader's own warning goes to logs nobody reads
        print(notice(), file=sys.stderr, flush=True)
    if todo:
        own_pool = executor is None
        pool = executor or ThreadPoolExecutor(jobs)
        try:
            with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
                outcomes |= _grade_all(root, Path(tmp), todo, known, pool, jobs, notebook_timeout, report, previous)
        finally:
            if own_pool:
                pool.shutdown()
    latest = {**previous, **{k: o for k, o in outcomes.items() if o.status != "unchanged"}}
    save_outcomes(root, latest)
    return [outcomes[key] for key in sorted(outcomes)]


def template_course(root: Path, chapters) -> Path:
    """A scratch course where every assignment graded is generated, in one nbgrader run for
    all of them. It is kept in ``root/.grading-cache/`` and reused while the configuration and
    the chapters' sources are unchanged: generating costs seconds of nbgrader start-up."""
    digest = hashlib.sha256((root / "nbgrader_config.py").read_bytes())
    for chapter in sorted(chapters, key=lambda c: c.id):
        digest.update(f"{chapter.id}:{folder_digest(chapter.source.parent)}".encode())
    cache = root / ".grading-cache"
    folder = cache / digest.hexdigest()[:20]
    if not (folder / "gradebook.db").exists():
        shutil.rmtree(cache, ignore_errors=True)  # only the latest is kept
        building = scratch_course(root, chapters, cache / "building")
        building.rename(folder)  # complete, or not there at all
    return folder


def queue_order(submissions: list[tuple[str, str]], previous: dict) -> list[tuple[str, str]]:
    """The order in which the units go through ``submissions``.

    The slowest first, by the seconds an earlier run took (``previous`` outcomes; the median for
    those never timed), so that the queue does not end on a slow notebook that one unit grinds
    through while the others idle. Ties, and every submission on a first run, in an order fixed
    by a hash of the names: it spreads slow notebooks (a student's, a chapter's) through the
    queue rather than bunching them wherever the alphabet puts them."""
    timed = [previous[key].seconds for key in submissions if key in previous and previous[key].seconds]
    typical = statistics.median(timed) if timed else 0.0

    def expected(key: tuple[str, str]) -> float:
        before = previous.get(key)
        return before.seconds if before and before.seconds else typical

    return sorted(submissions, key=lambda key: (-expected(key), hashlib.sha256("/".join(key).encode()).hexdigest()))


def _grade_all(root, workdir, todo, known, pool, jobs, timeout, report, previous) -> dict[tuple[str, str], GradeOutcome]:
    """Stage, grade (every submission a shared round left ungraded gets a second try alone)
    and merge."""
    guard = GradebookGuard(root / "gradebook.db", workdir / "gradebook-backup.db")
    library = workdir / "library"
    # Kernels import this copy of the course library, so `utils.__file__` does not lead them
    # to the course folder.
    utils_folder = Path(importlib.util.find_spec("utils").origin).parent
    shutil.copytree(utils_folder, library / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    template = template_course(root, [known[a] for a in todo])
    outcomes, notes, digests, points = {}, {}, {}, {}
    pending: dict[Future, Unit] = {}
    counter = iter(range(10**9))

    def launch(submissions: list[tuple[str, str]], units: int) -> None:
        """Grade ``submissions`` in ``units`` units that share them (or alone, with one)."""
        folders = [workdir / f"unit{next(counter)}" for _ in range(units)]
        starts = [k * len(submissions) // units for k in range(units)]
        claims = workdir / f"{folders[0].name}-claims" if units > 1 else None
        if claims:
            claims.mkdir()
        round_ = [Unit(template, library, folder, tuple(submissions), timeout, start, claims,
                       tuple((f / "course", s) for f, s in zip(folders, starts) if f != folder))
                  for folder, start in zip(folders, starts)]
        for unit in round_:  # all before any starts: a unit's claims are marked in the others
            prepare_unit(unit, workdir / "staged")
        for unit in round_:
            pending[pool.submit(grade_unit, unit)] = unit

    def finish(outcome: GradeOutcome) -> None:
        key = outcome.student, outcome.assignment
        outcome.needs_review = notes.get(key, []) + outcome.needs_review
        outcome.digest = digests[key]
        if outcome.status == "not graded":
            outcome.max_score = points[outcome.assignment]
        outcomes[key] = outcome
        report(outcome)

    unmerged: list[tuple[list[GradeOutcome], Unit | None]] = []  # outcomes, the unit that graded them
    gradable = []
    for assignment, entries in todo.items():
        release = nbformat.read(template / "release" / assignment / f"{assignment}.ipynb", as_version=4)
        source = nbformat.read(template / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        points[assignment] = autograded_points(release)
        for student, digest in entries:
            digests[student, assignment] = digest
            problem, notes[student, assignment] = stage(root / "submitted" / student / assignment,
                                                        workdir / "staged" / student / assignment, assignment, release, source)
            if problem:
                failed = GradeOutcome(student, assignment, "not graded", reason=problem)
                finish(failed)
                unmerged.append(([failed], None))
            else:
                gradable.append((student, assignment))
    if gradable:
        launch(queue_order(gradable, previous), max(1, min(jobs, len(gradable))))
    sharing = [unit for unit in pending.values() if unit.claims]
    unaccounted = set(gradable) if sharing else set()  # by the units sharing the first round
    while pending:
        future = next(as_completed(pending))
        unit = pending.pop(future)
        try:
            results = future.result()
        except Exception as error:  # the worker itself failed: its students only lose this run
            results = [] if unit.claims else [GradeOutcome(s, a, "not graded", reason=f"the grading worker failed: {error!r}")
                                              for s, a in unit.submissions]
        tampered = guard.restore_if_changed()
        retry = [(o.student, o.assignment) for o in results if o.status == "not graded"
                 and len(unit.submissions) > 1 and "time budget" not in o.reason]
        kept = [o for o in results if (o.student, o.assignment) not in retry]
        if unit in sharing:  # once the round is over, what none of its units graded is tried again
            sharing.remove(unit)
            unaccounted -= {(o.student, o.assignment) for o in results}
            retry += sorted(unaccounted) if not sharing else []
        for submission in retry:  # perhaps spoiled by a neighbour in its unit: once more, alone
            launch([submission], 1)
        for outcome in kept:
            if tampered:
                outcome.needs_review.append("the course gradebook changed while this was graded; it was restored "
                                            "(the culprit may be any notebook graded at that time)")
            finish(outcome)
        unmerged.append((kept, unit))
    for results, unit in unmerged:
        merge_outcomes(root, template, results, unit)
    return outcomes


# ---------------------------------------------------------------- command line

def add_arguments(command) -> None:
    """The options of ``python -m course grade``."""
    command.add_argument("--jobs", type=int, default=None,
                         help="notebooks graded at once (default: one more than the cores)")
    command.add_argument("--timeout", type=float, default=120.0,
                         help="wall-clock seconds one notebook may take (default: 120)")
    command.add_argument("--force", action="store_true", help="grade again submissions that did not change")


def cmd_grade(args) -> int:
    start = time.perf_counter()
    outcomes = grade_submissions(args.root, jobs=args.jobs, force=args.force, notebook_timeout=args.timeout,
                                 assignments=args.chapters or None)
    if not outcomes:
        print("nothing to grade: no submitted/<student>/<assignment>/ folder")
        return 0
    counts = {s: sum(o.status == s for o in outcomes) for s in ("graded", "partly graded", "not graded", "unchanged")}
    print(", ".join(f"{n} {s}" for s, n in counts.items() if n) + f" in {time.perf_counter() - start:.1f} s")
    for outcome in outcomes:
        if outcome.reason or outcome.needs_review:
            print(f"  {outcome.student} {outcome.assignment}: {outcome.status} {outcome.score:g}/{outcome.max_score:g}")
            for line in ([outcome.reason] if outcome.reason else []) + outcome.needs_review:
                print(f"    - {line}")
    print("scores in gradebook.db, graded notebooks in autograded/, outcomes in reports/grading.json")
    return 0


COMMANDS = {"grade": (cmd_grade, "autograde every submission under submitted/ in parallel, "
                                 "each notebook within a time budget; unchanged ones are skipped")}
