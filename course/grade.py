"""`course grade`: autograde a cohort's submissions with nbgrader, in parallel and safely.

Three plain stages (docs/grading.md draws them):

- *intake* (``course.intake``, in this process): each ``submitted/<student>/<assignment>/``
  folder is read and repaired into a staged notebook and files, as bytes, plus notes;
- *grade* (``course.engine``, in worker processes): one task per submission, data in and data
  out: nbgrader's autograde preprocessors, called through its Python API against the
  assignment's template (sent once per worker), each kernel in a bubblewrap sandbox;
- *merge* (here, the only writer): the course's ``gradebook.db`` (nbgrader's ``Gradebook`` API,
  the rows ``nbgrader autograde`` writes), ``autograded/`` and ``reports/grading.json``.

The scheduler is any ``concurrent.futures.Executor``: by default a local pool of warm worker
processes (nbgrader imported once, in a fork server they are forked from), or a
dask.distributed cluster (``--scheduler tcp://HOST:PORT``); tasks carry no path, so workers
need not share the instructor's file system. Submissions go out slowest first (by an earlier
run's times), so the cohort does not end on one slow notebook while the other workers idle.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .engine import Graded, Settings, Task, Template, define_assignment, grade_task, load_settings, read_template, warm_up
from .grading import COURSE_ID, scratch_course, stderr_test_cells
from .intake import grade_id, read_folder
from .kernel_crash import CRASHED, NOT_RUN
from .notebooks import autograded_points, find_chapters, is_test_cell
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
    ``(score, max_score)``. ``digest`` identifies the submitted files. ``seconds`` is the
    wall-clock time of grading it, of which ``timings`` says how much went to starting its
    kernel, running its cells and stopping its kernel (``course.timing.PhaseTimes``).
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
    timings: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- finding submissions, and intake

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


def intake(folder: Path, student: str, assignment: str, release, source) -> tuple[Task | None, str, list[str]]:
    """The intake stage: the submission ``folder`` as a grading :class:`~course.engine.Task`
    (``course.intake`` repairs it against the assignment's ``release`` and ``source``
    notebooks). Whatever the folder holds, only this submission is affected.

    Returns (the task or None, why it cannot be graded or "", notes for a human)."""
    try:
        staged = read_folder(folder, assignment, release, source)
    except Exception as error:  # a kind nobody foresaw: this student's problem, nobody else's
        return None, f"the submission could not be read ({type(error).__name__}: {error})"[:300], []
    if staged.problem:
        return None, staged.problem, staged.notes
    task = Task(student, assignment, nbformat.writes(staged.notebook).encode("utf-8"), tuple(sorted(staged.files.items())))
    return task, "", staged.notes


# ---------------------------------------------------------------- judging a graded notebook

def _cell_label(cell, index: int) -> str:
    return grade_id(cell) or f"#{index + 1}"


def judge(graded: Graded, budget: float) -> GradeOutcome:
    """The outcome of one graded task (``budget``: the notebook's time budget, in seconds)."""
    outcome = GradeOutcome(graded.student, graded.assignment, "not graded", seconds=graded.seconds,
                           timings=graded.timings)
    if graded.stopped:
        outcome.reason = (f"stopped after {budget:g} s, the time budget of one notebook (a cell that "
                          "ignored the interrupt at the per-cell time limit, or a very slow notebook)")
        outcome.needs_review.append("exceeded the notebook's time budget")
        return outcome
    if graded.notebook is None:
        died = "Kernel died" in graded.error or "DeadKernel" in graded.error
        outcome.reason = ("the kernel died (a crash or os._exit); nbgrader keeps no score for such a notebook"
                          if died else graded.error or "nbgrader could not grade this notebook")
        outcome.needs_review.append("the kernel died" if died else "nbgrader could not grade the notebook")
        return outcome
    outcome.scores = graded.scores
    outcome.score = sum(s for s, _ in outcome.scores.values())
    outcome.max_score = sum(m for _, m in outcome.scores.values())
    nb = nbformat.reads(graded.notebook.decode("utf-8"), as_version=4)
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
    outcome.needs_review += recovered_messages(graded.recovered, nb)
    size = output_bytes(nb)
    if size > HUGE_OUTPUT_BYTES:
        outcome.needs_review.append(f"huge output: the notebook's cells printed {size / 1e6:.0f} MB")
    return outcome


def recovered_messages(recovered: list[dict], nb) -> list[str]:
    """One note per kernel message lost while the notebook ran and recovered
    (``course.execution``): no points were lost, but the run was not an ordinary one."""
    notes = []
    for entry in recovered:
        index = entry["cell"]
        cell = _cell_label(nb.cells[index], index) if index < len(nb.cells) else f"#{index + 1}"
        what = "its reply was rebuilt from the kernel's output" if entry["action"] == "rebuilt reply" else (
            "the kernel dropped the request, so the cell was run again")
        notes.append(f"a kernel message of cell {cell} was lost after {entry['seconds']:.0f} s and recovered: "
                     f"{what} (no points lost)")
    return notes


def output_bytes(nb) -> int:
    """The size of what the notebook's cells output, in bytes of JSON (images pasted into
    markdown cells are attachments, not output)."""
    return sum(len(json.dumps(cell.get("outputs", []))) for cell in nb.cells)


# ---------------------------------------------------------------- merging into the course

def merge_submission(target, template: Template, student: str, graded: Graded | None) -> None:
    """Replace ``student``'s submission in the gradebook ``target`` by the rows nbgrader's
    autograde recorded for ``graded`` (zero everywhere when None: a submission that could not
    be graded)."""
    from .gradebook import MissingEntry

    assignment = template.assignment
    target.update_or_create_student(student)
    try:
        target.remove_submission(assignment, student)
    except MissingEntry:
        pass
    stamp = {"timestamp": graded.timestamp} if graded and graded.timestamp else {}
    with target.db.no_autoflush:  # nbgrader's add_submission warns about its own objects otherwise
        fresh = target.add_submission(assignment, student, **stamp)
    for nb in fresh.notebooks:
        for grade in nb.grades:
            grade.auto_score, grade.needs_manual_grade = graded.grades[grade.name][:2] if graded else (0.0, False)
        for comment in nb.comments if graded else []:
            comment.auto_comment = graded.comments.get(comment.name)
        nb.late_submission_penalty = graded.late_penalty if graded else None
    target.db.commit()


def merge(root: Path, templates: dict[str, Template], results: list[tuple[GradeOutcome, Graded | None, Task | None]]) -> None:
    """The merge stage: each outcome's rows into ``root``'s gradebook, and the graded notebook
    with the files it ran beside into ``autograded/<student>/<assignment>/`` (zero and no
    folder for those that could not be graded)."""
    from .gradebook import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as target:
        for assignment in dict.fromkeys(o.assignment for o, _, _ in results):
            define_assignment(target, templates[assignment])
        for outcome, graded, task in results:
            dest = root / "autograded" / outcome.student / outcome.assignment
            if dest.exists():
                shutil.rmtree(dest)
            template = templates[outcome.assignment]
            if outcome.status in ("graded", "partly graded"):
                merge_submission(target, template, outcome.student, graded)
                for name, data in [*graded_files(task, template), (f"{outcome.assignment}.ipynb", graded.notebook)]:
                    (dest / name).parent.mkdir(parents=True, exist_ok=True)
                    (dest / name).write_bytes(data)
            else:
                merge_submission(target, template, outcome.student, None)


def graded_files(task: Task, template: Template) -> list[tuple[str, bytes]]:
    """The files a graded notebook ran beside: the student's (but notebooks), then the
    assignment's own, which win (as ``nbgrader autograde`` copies them)."""
    return [(n, d) for n, d in task.files if not n.endswith(".ipynb")] + list(template.files)


# ---------------------------------------------------------------- the scheduler

def local_pool(jobs: int, templates: dict[str, Template], settings: Settings) -> ProcessPoolExecutor:
    """``jobs`` warm worker processes with nbgrader imported, each holding the ``templates``
    (tasks name them by digest) and starting its warm kernels' process at once.

    Forked from this process when it runs no other thread (as the command line does): they
    start with its imports done. Otherwise (a test runner's threads, a notebook's) forking could
    copy a lock another thread holds, so they are forked from a fork server that imports
    nbgrader once (seconds, once per process)."""
    if threading.active_count() == 1:
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["course.engine"])
    return ProcessPoolExecutor(jobs, mp_context=context, initializer=warm_up,
                               initargs=(tuple(templates.values()), settings))


def cluster_executor(address: str) -> Executor:
    """A ``concurrent.futures.Executor`` submitting to the dask.distributed scheduler at
    ``address`` (``tcp://HOST:PORT``). Raises ``OSError`` when it cannot be reached."""
    from distributed import Client

    return Client(address, timeout="20s").get_executor(pure=False)


def template_refs(executor: Executor, templates: dict[str, Template], own: bool) -> dict[str, object]:
    """How tasks name each assignment's template on ``executor``'s workers, so that it travels
    once per worker, not once per task: by digest in a pool of our own (its workers got them
    at start), as data scattered to every worker of a dask cluster, else the template itself."""
    if own:
        return {a: t.digest for a, t in templates.items()}
    client = getattr(executor, "_client", None)
    if client is not None and hasattr(client, "scatter"):  # a dask.distributed ClientExecutor
        return {a: client.scatter(t, broadcast=True, hash=True) for a, t in templates.items()}
    return dict(templates)


# ---------------------------------------------------------------- the whole cohort

class GradebookGuard:
    """A copy of the course gradebook taken before grading, put back if anything changes it."""

    def __init__(self, path: Path):
        self.path = path
        self.backup = path.read_bytes() if path.exists() else b""
        self.digest = self._digest(path)

    @staticmethod
    def _digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""

    def restore_if_changed(self) -> bool:
        """Put the copy back when the gradebook changed; whether it had."""
        if self._digest(self.path) == self.digest:
            return False
        if self.digest:
            self.path.write_bytes(self.backup)
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
    """One worker more than the cores. A cell looping until its time limit ends on the clock,
    not on the CPU it burns, and a worker between notebooks leaves its core idle: a third
    worker on two cores graded the demo cohort 1.2 to 1.3 times as fast as two
    (benchmarks/RESULTS.md). No more than one extra, since a slow cell shares its core with more
    kernels and nears its time limit sooner."""
    return (os.cpu_count() or 1) + 1


def grade_submissions(root: Path, *, jobs: int | None = None, force: bool = False,
                      executor: Executor | None = None, scheduler: str | None = None,
                      notebook_timeout: float = 120.0, progress: bool = True,
                      assignments: list[str] | None = None) -> list[GradeOutcome]:
    """Autograde every ``submitted/<student>/<assignment>/`` of the course at ``root``.

    Parameters
    ----------
    root
        The course folder (holding ``nbgrader_config.py``, ``source/`` and ``submitted/``).
    jobs
        Worker processes of the local pool (default: :func:`default_jobs`).
    force
        Grade submissions again even when their files did not change since the last run.
    executor
        Where the grading tasks run: any ``concurrent.futures.Executor`` whose workers can
        import this project (default: a local pool of ``jobs`` warm workers).
    scheduler
        The address (``tcp://HOST:PORT``) of a dask.distributed scheduler to grade on, when no
        ``executor`` is given.
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
            outcomes[student, assignment] = dataclasses.replace(before, status="unchanged", seconds=0.0, timings={})
        elif assignment not in known:
            outcomes[student, assignment] = GradeOutcome(student, assignment, "not graded", digest=digest,
                                                         reason=f"no assignment {assignment} in source/")
        else:
            todo.setdefault(assignment, []).append((student, digest))
    if todo and notice():  # said once per run: nbgrader's own warning goes to logs nobody reads
        print(notice(), file=sys.stderr, flush=True)
    if todo:
        outcomes |= _grade_all(root, todo, known, executor, scheduler, jobs or default_jobs(),
                               load_settings(root, notebook_timeout), Progress(sum(map(len, todo.values())), progress),
                               previous)
    latest = {**previous, **{k: o for k, o in outcomes.items() if o.status != "unchanged"}}
    save_outcomes(root, latest)
    return [outcomes[key] for key in sorted(outcomes)]


def templates_of(root: Path, chapters, settings: Settings) -> tuple[Path, dict[str, Template]]:
    """The generated template course (:func:`template_course`) and each chapter's
    :class:`~course.engine.Template` read from it."""
    folder = template_course(root, chapters)
    ignore = list(settings.config.CourseDirectory.get("ignore", []))
    return folder, {c.id: read_template(folder / "gradebook.db", c.id, folder / "source" / c.id, ignore)
                    for c in chapters}


def _grade_all(root, todo, known, executor, scheduler, jobs, settings, report, previous) -> dict[tuple[str, str], GradeOutcome]:
    """Intake, grade and merge the submissions of ``todo`` (assignment -> [(student, digest)])."""
    guard = GradebookGuard(root / "gradebook.db")
    folder, templates = templates_of(root, [known[a] for a in todo], settings)
    if not (root / "gradebook.db").exists():  # start from the template's: a new one needs alembic
        shutil.copy(folder / "gradebook.db", root / "gradebook.db")
        guard = GradebookGuard(root / "gradebook.db")
    outcomes, results, notes, digests, points = {}, [], {}, {}, {}
    def finish(outcome: GradeOutcome, graded: Graded | None, task: Task | None) -> None:
        key = outcome.student, outcome.assignment
        outcome.needs_review = notes.get(key, []) + outcome.needs_review
        outcome.digest = digests[key]
        if outcome.status == "not graded":
            outcome.max_score = points[outcome.assignment]
        outcomes[key] = outcome
        report(outcome)
        results.append((outcome, graded, task))

    chapters = {a: [nbformat.read(folder / kind / a / f"{a}.ipynb", as_version=4) for kind in ("release", "source")]
                for a in todo}
    for assignment, entries in todo.items():
        points[assignment] = autograded_points(chapters[assignment][0])
        digests |= {(student, assignment): digest for student, digest in entries}

    def staged():
        """Each submission's task, taken in by intake as the queue reaches it: the first ones
        are graded while the others are read."""
        for student, assignment in queue_order(list(digests), previous):
            task, problem, notes[student, assignment] = intake(root / "submitted" / student / assignment, student,
                                                               assignment, *chapters[assignment])
            if task:
                yield task
            else:
                finish(GradeOutcome(student, assignment, "not graded", reason=problem), None, None)

    for task, graded in run_tasks(staged(), templates, settings, executor, scheduler, jobs):
        outcome = judge(graded, settings.notebook_timeout)
        if guard.restore_if_changed():
            outcome.needs_review.append("the course gradebook changed while this was graded; it was restored "
                                        "(the culprit may be any notebook graded at that time)")
        finish(outcome, graded, task)
    merge(root, templates, results)
    return outcomes


def run_tasks(tasks: Iterable[Task], templates: dict[str, Template], settings: Settings, executor: Executor | None,
              scheduler: str | None, jobs: int):
    """Grade ``tasks`` on ``executor`` (else on the dask cluster at ``scheduler``, else on a
    local pool of ``jobs`` warm workers); yield (task, Graded) as each finishes. ``tasks`` is
    consumed as they are submitted, in its order.

    A task whose grading failed without a result (its worker died: a notebook outside a
    sandbox can kill its worker, and a pool loses every task under way with it) is graded
    again, on a worker of its own, so that a neighbour's doing costs it nothing; a second
    failure is its own, and it comes back not graded."""
    own = executor is None and scheduler is None
    pool = executor or (cluster_executor(scheduler) if scheduler else local_pool(jobs, templates, settings))
    refs = template_refs(pool, templates, own)
    failed: list[tuple[Task, BaseException]] = []
    pending: dict[Future, Task] = {}
    try:
        for task in tasks:
            pending[pool.submit(grade_task, task, refs[task.assignment], settings)] = task
        for future in as_completed(pending):
            task = pending[future]
            try:
                yield task, future.result()
            except Exception as error:
                failed.append((task, error))
    finally:
        if own:
            pool.shutdown(cancel_futures=True)
        else:  # the caller's workers stay up: leave them nothing of ours queued
            for future in pending:
                future.cancel()
            if scheduler:  # our own connection to the cluster
                pool._client.close()
    for task, first in failed:
        yield task, _grade_alone(task, templates[task.assignment], settings, first)


def _grade_alone(task: Task, template: Template, settings: Settings, first: BaseException) -> Graded:
    """Grade ``task`` once more in a worker process of its own; a Graded saying why not, if
    that worker fails too."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as alone:
        try:
            return alone.submit(grade_task, task, template, settings).result()
        except Exception as error:
            return Graded(task.student, task.assignment,
                          error=f"the grading worker failed twice ({first!r}, then {error!r})"[:500])


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


# ---------------------------------------------------------------- command line

def cmd_grade(args) -> int:
    start = time.perf_counter()
    outcomes = grade_submissions(args.root, jobs=args.jobs, force=args.force, scheduler=args.scheduler,
                                 notebook_timeout=args.timeout,
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

