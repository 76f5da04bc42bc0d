"""The course on a local JupyterHub: ``python -m course hub`` (``make hub``).

As root, on this machine, it makes what a class needs and starts the hub on 127.0.0.1:

- real local accounts, each with a random password printed once: an instructor, a second grader,
  three students, and the course account that runs the shared formgrader; all named with the
  prefix ``dlgu-`` and marked in their GECOS field, so that ``--clean`` removes only accounts it
  made. The graders and the course account share the Unix group ``dlgu-graders``;
- under ``--base`` (default ``/srv/dl-ground-up``, see ``course/cli.py``): ``exchange/`` (world-writable with the sticky
  bit, as nbgrader documents), ``course/`` (the graders' course folder: gradebook, source/,
  release/, submitted/, autograded/, feedback/, group ``dlgu-graders``, setgid), ``etc/`` (what
  students' and graders' JupyterLabs read: the course id and the exchange; the student view) and
  ``hub/`` (root only: the hub's generated ``jupyterhub_config.py``, database, secret, log);
- a JupyterHub (PAM logins, each JupyterLab spawned as its user, the formgrader a service that
  only the graders' role may open) on a free port of 127.0.0.1.

``--demo`` then runs a class's loop through the exchange, each step as the account that would
do it; ``--stop`` stops the hub and every process of its accounts; ``--clean`` also deletes the
accounts and the folders.
"""
from __future__ import annotations

import grp
import json
import os
import pwd
import secrets
import shutil
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import nbformat
import psutil

from .nbgrader_run import NBGRADER_MAIN

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("jupyterhub_config.py.in")
BIN = Path(sys.executable).parent  # the hub itself runs as root from the course's venv
# Made by `make hub` (the Makefile pins versions): configurable-http-proxy from npm, and the venv
# the class's accounts run (from an interpreter they may execute; the same pins as .venv).
PROXY = REPO / ".hub" / "npm" / "node_modules" / ".bin" / "configurable-http-proxy"
USER_BIN = REPO / ".hub" / "venv" / "bin"
USER_PYTHON = USER_BIN / "python"

COURSE_ID = "dl-ground-up"
MARKER = "dl-ground-up hub account"  # GECOS of every account made here: --clean deletes only these
GROUP = "dlgu-graders"
INSTRUCTOR, GRADER, COURSE_ACCOUNT = "dlgu-instructor", "dlgu-grader", "dlgu-course"
STUDENTS = ["dlgu-student1", "dlgu-student2", "dlgu-student3"]
GRADERS = [INSTRUCTOR, GRADER]
PEOPLE = GRADERS + STUDENTS  # those who log in
ACCOUNTS = PEOPLE + [COURSE_ACCOUNT]
DEMO_CHAPTER = "ch01_linear_regression"
# Who submits what in the demo: a profile of course/cohort.py's synthetic cohort.
DEMO_SUBMISSIONS = {STUDENTS[0]: "ada", STUDENTS[1]: "ben"}
START_TIMEOUT = 90.0  # seconds the hub may take to answer after it is started


class HubError(Exception):
    """A step of setting up, running or removing the hub failed; the message says which."""


@dataclass(frozen=True)
class Layout:
    """Where everything ``course hub`` makes lives, under one base folder."""

    base: Path

    @property
    def exchange(self) -> Path:
        return self.base / "exchange"

    @property
    def course(self) -> Path:
        return self.base / "course"

    @property
    def etc(self) -> Path:
        return self.base / "etc"

    @property
    def state(self) -> Path:
        return self.base / "hub"

    @property
    def pid_file(self) -> Path:
        return self.state / "jupyterhub.pid"

    @property
    def log(self) -> Path:
        return self.state / "jupyterhub.log"

    def config_path(self, role: str) -> str:
        """JUPYTER_CONFIG_PATH of a student's or a grader's JupyterLab."""
        view = REPO / "course" / "student_view" if role == "student" else self.etc / "grader"
        return f"{self.etc / 'common'}{os.pathsep}{view}"


@dataclass(frozen=True)
class Hub:
    """A running hub: its public address and process id."""

    url: str
    pid: int


# --- running commands as the class's accounts ---------------------------------------------------

def run(*command: str, stdin: str | None = None) -> str:
    """Run a system command as root; its output, or ``HubError`` with its output."""
    done = subprocess.run(command, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise HubError(f"`{' '.join(command)}` failed ({done.returncode}): {(done.stdout + done.stderr)[-2000:]}")
    return done.stdout


def as_user(user: str, *command: str, layout: Layout, cwd: Path | None = None) -> str:
    """Run ``command`` as ``user`` (``runuser``, its own groups, a clean environment, umask 002)
    in ``cwd`` (default: the user's home); its output, or ``HubError`` when it exits non-zero or
    logs an nbgrader ERROR line (nbgrader reports some failures and still exits 0)."""
    home = Path(pwd.getpwnam(user).pw_dir)
    role = "student" if user in STUDENTS else "grader"
    env = {"HOME": str(home), "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
           "PATH": f"{USER_BIN}{os.pathsep}/usr/bin:/bin", "JUPYTER_CONFIG_PATH": layout.config_path(role)}
    full = ["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *command]
    done = subprocess.run(full, cwd=cwd or home, capture_output=True, text=True, umask=0o002)
    log = done.stdout + done.stderr
    if done.returncode != 0 or "| ERROR]" in log:
        raise HubError(f"as {user}: `{' '.join(command)}` failed ({done.returncode}):\n{log[-3000:]}")
    return log


def nbgrader(user: str, *args: str, layout: Layout, cwd: Path | None = None) -> str:
    """``nbgrader <args>`` as ``user`` (see :func:`as_user`)."""
    return as_user(user, str(USER_PYTHON), "-c", NBGRADER_MAIN, *args, layout=layout, cwd=cwd)


def course_command(*args: str, layout: Layout) -> str:
    """``python -m course <args>`` on the shared course folder, as the course account."""
    return as_user(COURSE_ACCOUNT, str(USER_PYTHON), "-m", "course", "--root", str(layout.course), *args,
                   layout=layout, cwd=layout.course)


# --- accounts -------------------------------------------------------------------------------------

def require_root() -> None:
    """Raise ``HubError`` unless this runs as root with ``useradd`` and ``runuser`` available."""
    if os.geteuid() != 0:
        raise HubError("the hub makes local accounts and switches to them: run it as root (sudo make hub)")
    missing = [tool for tool in ("useradd", "userdel", "groupadd", "chpasswd", "runuser") if not shutil.which(tool)]
    if missing:
        raise HubError(f"missing system tools: {', '.join(missing)}")


def exists(name: str) -> bool:
    """True when the machine has an account ``name``."""
    return name in {entry.pw_name for entry in pwd.getpwall()}


def ours(name: str) -> bool:
    """True when the account ``name`` exists and was made by ``course hub``."""
    return exists(name) and pwd.getpwnam(name).pw_gecos == MARKER


def group_exists() -> bool:
    return GROUP in {entry.gr_name for entry in grp.getgrall()}


def make_accounts() -> dict[str, str]:
    """Create (or take back) every account and the grader group; a fresh random password for
    each person who logs in (user -> password), set with ``chpasswd`` and kept nowhere else.
    Raises ``HubError`` when a name is taken by an account ``course hub`` did not make."""
    taken = [name for name in ACCOUNTS if exists(name) and not ours(name)]
    if taken:
        raise HubError(f"accounts {', '.join(taken)} exist and were not made by `course hub`: not touching them")
    if not group_exists():
        run("groupadd", GROUP)
    for name in ACCOUNTS:
        if not exists(name):
            groups = ["-G", GROUP] if name in GRADERS + [COURSE_ACCOUNT] else []
            run("useradd", "--create-home", "--user-group", "--shell", "/bin/bash", "--comment", MARKER, *groups,
                name)
        os.chmod(pwd.getpwnam(name).pw_dir, 0o700)  # no one reads another's files
    passwords = {name: secrets.token_urlsafe(12) for name in PEOPLE}
    run("chpasswd", stdin="".join(f"{name}:{password}\n" for name, password in passwords.items()))
    return passwords


def remove_accounts() -> list[str]:
    """Delete every account ``course hub`` made (with its home) and the grader group; the names."""
    removed = [name for name in ACCOUNTS if ours(name)]
    for name in removed:
        run("userdel", "--remove", name)
    if group_exists():
        run("groupdel", GROUP)
    return removed


# --- folders and configuration --------------------------------------------------------------------

def write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def course_nbgrader_config(layout: Layout) -> str:
    """The shared course folder's ``nbgrader_config.py``: the repository's configuration (one
    source of truth: grading, sandbox, feedback), with this folder as the course root (computed
    from the file's place, so that ``course grade``'s scratch copies point at themselves) and the
    hub's exchange."""
    return (f'"""nbgrader configuration of the course on the hub, written by `python -m course hub`."""\n'
            f"import os\n\nc = get_config()  # noqa: F821\n"
            f"load_subconfig({str(REPO / 'nbgrader_config.py')!r})  # noqa: F821 - the course's settings\n"
            f"here = os.path.dirname(os.path.abspath(__file__))\n"
            f"c.CourseDirectory.root = here\n"
            f'c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")\n'
            f"c.Exchange.root = {str(layout.exchange)!r}\n")


def user_nbgrader_config(layout: Layout) -> str:
    """What every student's and grader's nbgrader reads: the course id and the exchange."""
    return (f'"""The course on the hub, written by `python -m course hub`."""\n'
            f"c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(layout.exchange)!r}\n")


# The graders' own JupyterLab: the assignment list and course list, no formgrader or create
# assignment of their own (nbgrader's table for separate formgrader services): the formgrader is
# the shared service.
GRADER_SERVER_CONFIG = {"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False}}}
GRADER_PAGE_CONFIG = {"disabledExtensions": {"@jupyter/nbgrader:formgrader": True,
                                             "@jupyter/nbgrader:create-assignment": True}}
# The shared formgrader server: its JupyterLab shows the formgrader in a frame of its own page
# (Nbgrader -> Course List leads there). Since JupyterHub 4.1 a hub's servers refuse every frame
# (frame-ancestors 'none') unless configured otherwise: this server allows frames from its own
# origin, nbgrader's documented way out ("Formgrader with jupyterhub>=4.1").
SERVICE_SERVER_CONFIG = {"ServerApp": {"tornado_settings": {
    "headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}}}


MARKER_FILE = ".made-by-course-hub"  # in the base folder: --clean removes only what it made


def claim_base(base: Path) -> None:
    """Make ``base`` (open to every account: the exchange is in it), or take back one made by
    ``course hub``. Raises ``HubError`` for an existing folder it did not make: it would be
    opened to every account, and ``--clean`` would delete it."""
    if base.exists() and not (base / MARKER_FILE).exists() and any(base.iterdir()):
        raise HubError(f"{base} exists and was not made by `course hub`: choose another --base")
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    (base / MARKER_FILE).touch()


def lay_out(layout: Layout) -> None:
    """Make the exchange, the users' configuration and the shared course folder (the course's
    chapters, generated into its gradebook and release/), all but the folders themselves written
    by the course account: nothing here runs as root inside a folder that others can write (a
    grader's or a student's symbolic link there would redirect it)."""
    claim_base(layout.base)
    layout.exchange.mkdir(exist_ok=True)
    layout.exchange.chmod(0o1777)  # nbgrader: everyone writes, the sticky bit keeps others' files safe
    write(layout.etc / "common" / "nbgrader_config.py", user_nbgrader_config(layout))
    write(layout.etc / "grader" / "jupyter_server_config.json", json.dumps(GRADER_SERVER_CONFIG, indent=1))
    write(layout.etc / "grader" / "labconfig" / "page_config.json", json.dumps(GRADER_PAGE_CONFIG, indent=1))
    write(layout.etc / "service" / "jupyter_server_config.json", json.dumps(SERVICE_SERVER_CONFIG, indent=1))
    write(layout.etc / "course" / "nbgrader_config.py", course_nbgrader_config(layout))
    write(layout.etc / "course" / "students.csv", "id,first_name,last_name\n" + "".join(
        f"{name},Student {name.removeprefix('dlgu-student')},Demo\n" for name in STUDENTS))

    course = layout.course
    if not course.exists():  # the graders' group may write in it, and new files join the group
        course.mkdir()
        os.chown(course, pwd.getpwnam(COURSE_ACCOUNT).pw_uid, grp.getgrnam(GROUP).gr_gid)
        course.chmod(0o2770)
    as_course = partial(as_user, COURSE_ACCOUNT, layout=layout, cwd=course)
    as_course("mkdir", "-p", "submitted", "autograded", "feedback")
    as_course("rm", "-rf", "source")
    as_course("cp", "-r", str(REPO / "source"), "source")
    as_course("find", "source", "-name", ".ipynb_checkpoints", "-prune", "-exec", "rm", "-rf", "{}", "+")
    as_course("cp", str(layout.etc / "course" / "nbgrader_config.py"), "nbgrader_config.py")
    # The gradebook learns every chapter, release/ gets every student version: one nbgrader run.
    nbgrader(COURSE_ACCOUNT, "generate_assignment", "*", "--force", layout=layout, cwd=course)
    as_course("chmod", "g+rw", "gradebook.db")  # nbgrader copies it from a 0644 seed
    # The class list, so that the formgrader names the students (it shows "None, None" otherwise).
    nbgrader(COURSE_ACCOUNT, "db", "student", "import", str(layout.etc / "course" / "students.csv"), layout=layout,
             cwd=course)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_config(layout: Layout, port: int) -> str:
    """``jupyterhub_config.py`` from the package's template, for a hub on ``port``."""
    values = {
        "course_id": COURSE_ID, "students": STUDENTS, "graders": GRADERS,
        "bind_url": f"http://127.0.0.1:{port}", "hub_port": free_port(),
        "proxy_api_url": f"http://127.0.0.1:{free_port()}", "proxy_command": str(PROXY),
        "proxy_pid_file": str(layout.state / "proxy.pid"),
        "db_url": f"sqlite:///{layout.state / 'jupyterhub.sqlite'}",
        "cookie_secret_file": str(layout.state / "cookie_secret"), "hub_pid_file": str(layout.pid_file),
        "singleuser": str(USER_BIN / "jupyterhub-singleuser"),
        "student_config_path": layout.config_path("student"), "grader_config_path": layout.config_path("grader"),
        "path": f"{USER_BIN}{os.pathsep}/usr/bin:/bin",
        "service_url": f"http://127.0.0.1:{free_port()}", "course_account": COURSE_ACCOUNT,
        "service_config_path": str(layout.etc / "service"),
        "course_dir": str(layout.course),
    }
    return string.Template(TEMPLATE.read_text()).substitute({k: repr(v) for k, v in values.items()})


# --- the hub's process ------------------------------------------------------------------------------

def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start(layout: Layout) -> Hub:
    """Write the hub's configuration and start it in the background (its own session, log in
    ``hub/jupyterhub.log``); returns once its API answers. Raises ``HubError`` when the proxy is
    not installed, or when the hub exits or stays silent for ``START_TIMEOUT`` seconds."""
    stop(layout)  # one hub per base folder
    layout.state.mkdir(parents=True, exist_ok=True)
    layout.state.chmod(0o700)
    port = free_port()
    config = layout.state / "jupyterhub_config.py"
    write(config, hub_config(layout, port), mode=0o600)
    env = {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}", "LANG": "C.UTF-8",
           "HOME": str(layout.state)}
    with layout.log.open("ab") as log:
        process = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=layout.state, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", process.pid)
    deadline = time.monotonic() + START_TIMEOUT
    while not answers(f"{hub.url}/hub/api/"):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(layout)
            raise HubError(f"the hub did not start; its log ({layout.log}):\n{layout.log.read_text()[-3000:]}")
        time.sleep(0.5)
    return hub


def account_processes() -> list[psutil.Process]:
    """Every process running as an account ``course hub`` made (single-user servers, kernels)."""
    uids = {pwd.getpwnam(name).pw_uid for name in ACCOUNTS if ours(name)}
    found = []
    for process in psutil.process_iter(["uids"]):
        if process.info["uids"] and process.info["uids"].real in uids:
            found.append(process)
    return found


def end(processes: list[psutil.Process], grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL whatever is still running after ``grace`` seconds."""
    for process in processes:
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(processes, timeout=grace)
    for process in alive:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)


def pid_process(pid_file: Path, expected: str) -> list[psutil.Process]:
    """The process whose id ``pid_file`` holds, when its command line names ``expected``."""
    try:
        process = psutil.Process(int(pid_file.read_text().strip()))
        return [process] if expected in " ".join(process.cmdline()) else []
    except (FileNotFoundError, ValueError, psutil.NoSuchProcess, psutil.AccessDenied):
        return []


def hub_process(layout: Layout) -> list[psutil.Process]:
    """The hub of ``layout`` while it runs (a list of one), else an empty list."""
    return pid_process(layout.pid_file, "jupyterhub")


def stop(layout: Layout) -> bool:
    """Stop the hub of ``layout`` (it stops its servers and proxy), then whatever of its
    processes outlived it; True when a hub was running."""
    hub = hub_process(layout)
    end(hub, grace=20.0)
    end(pid_process(layout.state / "proxy.pid", "configurable-http-proxy"))
    end(account_processes())
    return bool(hub)


def clean(layout: Layout) -> list[str]:
    """Stop the hub and delete every account and folder it made; the accounts removed."""
    stop(layout)
    removed = remove_accounts()
    if (layout.base / MARKER_FILE).exists():  # only a base folder that `course hub` made
        for folder in (layout.exchange, layout.course, layout.etc, layout.state):
            shutil.rmtree(folder, ignore_errors=True)
        (layout.base / MARKER_FILE).unlink()
        if not any(layout.base.iterdir()):
            layout.base.rmdir()
    return removed


# --- the class's loop, scripted ---------------------------------------------------------------------

def submission(profile: str) -> nbformat.NotebookNode:
    """Chapter 1 as the demo cohort's ``profile`` fills it (course/cohort.py)."""
    from .cohort import submissions
    from .notebooks import find_chapters

    return submissions(find_chapters(REPO, [DEMO_CHAPTER])[0])[profile]


@dataclass(frozen=True)
class Score:
    """A student's points on the demo chapter: in all, and on the autograded test cells alone
    (the written answers wait for a grader)."""

    score: float
    max_score: float
    tests: float
    tests_max: float


def demo(layout: Layout) -> tuple[dict[str, Score], list[tuple[str, float]]]:
    """Release chapter 1, have two students fetch, answer (one right, one with three catalogued
    mistakes) and submit it, collect, grade with ``course grade``, generate and release the
    feedback, and have the students fetch it; every step as the account that would do it.
    Returns (student -> score from the course's gradebook, (step, seconds) of each step).
    Raises ``HubError`` when a step fails."""
    steps = []

    def step(name: str, *commands) -> None:
        began = time.perf_counter()
        for command in commands:
            command()
        steps.append((name, time.perf_counter() - began))

    def answer(student: str, profile: str) -> None:
        notebook = Path(pwd.getpwnam(student).pw_dir) / DEMO_CHAPTER / f"{DEMO_CHAPTER}.ipynb"
        nbformat.write(submission(profile), notebook)  # their typing, done for them: owner and mode kept

    students = list(DEMO_SUBMISSIONS)
    step("release", lambda: course_command("release", DEMO_CHAPTER, layout=layout))
    step("students fetch", *(partial(nbgrader, s, "fetch_assignment", DEMO_CHAPTER, layout=layout) for s in students))
    step("students answer", *(partial(answer, s, p) for s, p in DEMO_SUBMISSIONS.items()))
    step("students submit", *(partial(nbgrader, s, "submit", DEMO_CHAPTER, layout=layout) for s in students))
    step("collect", lambda: nbgrader(COURSE_ACCOUNT, "collect", DEMO_CHAPTER, layout=layout, cwd=layout.course))
    step("course grade", lambda: course_command("grade", DEMO_CHAPTER, layout=layout))
    step("feedback", lambda: return_feedback(layout))
    step("students fetch feedback",
         *(partial(nbgrader, s, "fetch_feedback", DEMO_CHAPTER, layout=layout) for s in students))
    return scores(layout), steps


def return_feedback(layout: Layout) -> None:
    """Write the demo chapter's feedback (``course feedback``: hidden tests not shown) and release
    it to the exchange, as the course account. Raises ``HubError``."""
    course_command("feedback", DEMO_CHAPTER, layout=layout)
    nbgrader(COURSE_ACCOUNT, "release_feedback", DEMO_CHAPTER, layout=layout, cwd=layout.course)


def scores(layout: Layout) -> dict[str, Score]:
    """Student -> :class:`Score` of the demo chapter in the course's gradebook (students without
    a graded submission left out)."""
    from .gradebook import Gradebook, MissingEntry

    found = {}
    with Gradebook(f"sqlite:///{layout.course / 'gradebook.db'}", COURSE_ID) as gradebook:
        for student in STUDENTS:
            try:
                graded = gradebook.find_submission(DEMO_CHAPTER, student)
            except MissingEntry:
                continue
            tests = [g for notebook in graded.notebooks for g in notebook.grades if g.cell.cell_type == "code"]
            found[student] = Score(graded.score, graded.max_score, sum(g.score for g in tests),
                                   sum(g.max_score for g in tests))
    return found


def feedback_files(student: str) -> list[Path]:
    """The feedback HTML files ``student`` fetched for the demo chapter."""
    home = Path(pwd.getpwnam(student).pw_dir)
    return sorted((home / DEMO_CHAPTER / "feedback").glob("*/*.html"))


# --- the command ----------------------------------------------------------------------------------

def closed_to_others(path: Path) -> Path | None:
    """The first folder on the way to ``path`` (itself included) that other accounts may not
    enter, or None."""
    for folder in [*reversed(path.parents), path]:
        if folder.exists() and not folder.stat().st_mode & 0o001:
            return folder
    return None


def set_up(layout: Layout) -> tuple[Hub, dict[str, str], float]:
    """Accounts, folders and a running hub: (hub, user -> password, seconds the hub took to start)."""
    require_root()
    for needed in (PROXY, USER_PYTHON):
        if not needed.exists():
            raise HubError(f"{needed} is missing: `make hub` installs it")
    # Every account must reach the exchange: no folder above the base may be closed to them.
    if closed := closed_to_others(layout.base.parent):
        raise HubError(f"{closed} is closed to other accounts: choose a --base that every account can reach")
    if closed := closed_to_others(USER_BIN):
        raise HubError(f"{closed} is closed to other accounts, who run the course from {REPO}: put the course "
                       f"where every account can reach it (for example under /srv or /opt)")
    passwords = make_accounts()
    lay_out(layout)
    began = time.perf_counter()
    hub = start(layout)
    return hub, passwords, time.perf_counter() - began


def warnings() -> list[str]:
    """What makes this local setup unfit for real students, when it applies."""
    found = []
    if (REPO / "source").stat().st_mode & 0o005:
        found.append(f"{REPO} is readable by every account, and it holds the answers and hidden tests "
                     f"(source/, solutions/) and any grading done in it (gradebook.db, autograded/, reports/): "
                     f"on a real server install the course from a folder students cannot read (README)")
    return found


def greeting(hub: Hub, passwords: dict[str, str], seconds: float, layout: Layout) -> str:
    lines = [f"JupyterHub of the course is running (started in {seconds:.1f} s): {hub.url}/hub/login",
             f"  formgrader (graders only): {hub.url}/services/{COURSE_ID}/formgrader",
             "  accounts (passwords shown once, stored nowhere):"]
    for name in PEOPLE:
        role = "student" if name in STUDENTS else "grader"
        lines.append(f"    {name:<16} {passwords[name]:<20} {role}")
    lines += [f"  exchange: {layout.exchange}   course folder (gradebook): {layout.course}",
              f"  hub log: {layout.log}",
              "  stop: make hub ARGS=--stop    remove accounts and folders: make hub ARGS=--clean"]
    lines += [f"  warning: {w}" for w in warnings()]
    return "\n".join(lines)


def cmd_hub(args) -> int:
    layout = Layout(args.base.resolve())
    try:
        require_root()
        if args.stop:
            print("hub stopped" if stop(layout) else "no hub was running")
            return 0
        if args.clean:
            stopped = bool(hub_process(layout))
            removed = clean(layout)  # stops it too
            print(f"{'hub stopped; ' if stopped else ''}removed accounts: {', '.join(removed) or 'none'}; "
                  f"removed {layout.base}")
            return 0
        restarted = bool(hub_process(layout))
        hub, passwords, seconds = set_up(layout)
        if args.demo:
            found, steps = demo(layout)
            print(f"demo on {DEMO_CHAPTER}: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps))
            for student, score in found.items():
                print(f"  {student:<16} {score.score:g} / {score.max_score:g} ({score.tests:g} / {score.tests_max:g} "
                      f"on the tests; written answers await a grader), answers: {DEMO_SUBMISSIONS.get(student, 'their own')} of the "
                      f"demo cohort (course/cohort.py); feedback: {', '.join(map(str, feedback_files(student)))}")
        print(greeting(hub, passwords, seconds, layout))
        if restarted:
            print("  note: the hub that was running was stopped and started again, on a new address, "
                  "and every password above is new: the old ones no longer work")
        return 0
    except HubError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
