"""The course on JupyterHub (``python -m course hub``, course/hub.py), for real.

One hub for the module, made by the same code as ``make hub --demo``: real local accounts, PAM
logins, each JupyterLab spawned as its user, the formgrader a hub service. The class's loop on
chapter 1 runs through the exchange, each step as its account; then the checks: the scores in
the gradebook (right answers full marks on the tests, catalogued mistakes fewer), students'
homes closed to each other, the formgrader open to both graders and closed to students through
the hub's own OAuth, a student's JupyterLab running as that student with the student view, and
``--clean`` leaving no account, process or folder behind.
"""
from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

import nbformat
import psutil
import pytest
import requests
from playwright.sync_api import expect

from course import hub as course_hub
from course.notebooks import HIDDEN_BEGIN
from tests import test_e2e as e2e
from tests.test_e2e import (CHROMIUM, RIGHT_DESIGN_MATRIX, TIMEOUT_MS, cell_index, chromium_browser, graded, type_into,
                            wait_idle)
from course.hub import (ACCOUNTS, COURSE_ACCOUNT, COURSE_ID, DEMO_CHAPTER, GRADERS, GROUP, INSTRUCTOR, MARKER_FILE,
                        STUDENTS, Hub, HubError, Layout, Score, account_processes, as_user, claim_base, clean,
                        closed_to_others, course_command, demo, feedback_files, ours, return_feedback, scores, set_up)

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the hub makes local accounts and switches to them: needs root"),
    pytest.mark.skipif(shutil.which("useradd") is None, reason="no useradd on this machine"),
]
RIGHT, PARTLY_WRONG = STUDENTS[0], STUDENTS[1]  # course.hub.DEMO_SUBMISSIONS: "ada" and "ben"
SPAWN_TIMEOUT = 120.0
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "hub"


@dataclass
class Run:
    layout: Layout
    hub: Hub
    passwords: dict[str, str]
    scores: dict[str, Score]
    uids: set[int]


@pytest.fixture(scope="module")
def run():
    if any(ours(name) for name in ACCOUNTS):
        pytest.skip("a hub of `make hub` has its accounts on this machine: `make hub ARGS=--clean` first")
    if closed := closed_to_others(course_hub.USER_BIN):
        pytest.skip(f"{closed} is closed to other accounts: the hub's accounts cannot run the course from it")
    layout = Layout(Path(tempfile.mkdtemp(prefix="dl-ground-up-hub-")))  # /tmp: every account can reach it
    try:
        hub, passwords, seconds = set_up(layout)
        found, steps = demo(layout)
        print(f"hub started in {seconds:.1f} s; demo: " + ", ".join(f"{n} {s:.1f} s" for n, s in steps))
        yield Run(layout, hub, passwords, found, {pwd.getpwnam(name).pw_uid for name in ACCOUNTS})
    finally:
        clean(layout)


def login(hub: Hub, user: str, password: str) -> requests.Session:
    """A browser-like session logged in through the hub's login form (its XSRF token included)."""
    session = requests.Session()
    page = session.get(f"{hub.url}/hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{hub.url}/hub/login", data={"username": user, "password": password, "_xsrf": xsrf},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, f"{user} could not log in: {answer.status_code}"
    return session


def test_a_base_folder_the_hub_did_not_make_is_refused(tmp_path):
    """An existing folder with files of its own is neither opened to every account nor, later,
    deleted by --clean; an empty one is taken, and marked as the hub's."""
    (tmp_path / "theirs").mkdir(mode=0o700)
    (tmp_path / "theirs" / "notes.txt").write_text("not the hub's")
    with pytest.raises(HubError, match="was not made by `course hub`"):
        claim_base(tmp_path / "theirs")
    assert (tmp_path / "theirs").stat().st_mode & 0o777 == 0o700  # not opened to every account
    claim_base(tmp_path / "new")
    claim_base(tmp_path / "new")  # a second run takes back its own
    assert (tmp_path / "new" / MARKER_FILE).is_file()


def test_right_answers_full_marks_mistakes_fewer(run):
    right, wrong = run.scores[RIGHT], run.scores[PARTLY_WRONG]
    assert right.tests_max > 0 and right.tests == right.tests_max, right
    assert 0 < wrong.tests < wrong.tests_max == right.tests_max, wrong
    assert right.max_score == wrong.max_score > right.tests_max  # the written answers await a grader


def test_the_graders_share_the_course_folder(run):
    """Whatever the course account and nbgrader wrote there (the gradebook, autograded/) belongs
    to the graders' group, which may write it; the folder is closed to everyone else."""
    gid = grp.getgrnam(GROUP).gr_gid
    assert run.layout.course.stat().st_mode & 0o007 == 0
    for path in [run.layout.course / "gradebook.db", *(run.layout.course / "autograded").rglob("*")]:
        mode = path.stat()
        assert mode.st_gid == gid and mode.st_mode & 0o060 == 0o060, (path, oct(mode.st_mode))


def test_the_formgrader_names_the_students(run):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{run.layout.course / 'gradebook.db'}", COURSE_ID) as gradebook:
        names = {s.id: (s.first_name, s.last_name) for s in gradebook.students}
    assert names == {name: (f"Student {k}", "Demo") for k, name in enumerate(STUDENTS, 1)}


def test_students_fetched_their_feedback(run):
    for student in (RIGHT, PARTLY_WRONG):
        [html] = feedback_files(student)
        assert html.stat().st_uid == pwd.getpwnam(student).pw_uid
        text = html.read_text()
        assert "hidden tests: not shown" in text and HIDDEN_BEGIN not in text


def test_a_student_cannot_read_another_students_home(run):
    notebook = Path(pwd.getpwnam(PARTLY_WRONG).pw_dir) / DEMO_CHAPTER / f"{DEMO_CHAPTER}.ipynb"
    assert '"nbgrader"' in as_user(PARTLY_WRONG, "cat", str(notebook), layout=run.layout)  # the owner can
    with pytest.raises(HubError, match="Permission denied"):
        as_user(RIGHT, "cat", str(notebook), layout=run.layout)
    with pytest.raises(HubError, match="Permission denied"):
        as_user(RIGHT, "ls", str(run.layout.course), layout=run.layout)  # nor the graders' course folder


def test_formgrader_opens_for_both_graders_only(run):
    url = f"{run.hub.url}/services/{COURSE_ID}/formgrader"
    for grader in GRADERS:
        page = login(run.hub, grader, run.passwords[grader]).get(url, timeout=60)
        assert page.status_code == 200 and f"/services/{COURSE_ID}/formgrader" in page.url, (grader, page.url)
        assert "Manage Assignments" in page.text
        # the service's JupyterLab may frame it (Course List), no other site may
        assert page.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    for student in STUDENTS:
        page = login(run.hub, student, run.passwords[student]).get(url, timeout=60)
        assert page.status_code == 403, (student, page.status_code, page.url)
    wrong = requests.Session()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', wrong.get(f"{run.hub.url}/hub/login").text).group(1)
    refused = wrong.post(f"{run.hub.url}/hub/login", data={"username": RIGHT, "password": "not-the-password",
                                                            "_xsrf": xsrf}, allow_redirects=False)
    assert refused.status_code == 403


def test_a_students_lab_runs_as_the_student_with_the_student_view(run):
    session = login(run.hub, RIGHT, run.passwords[RIGHT])
    deadline = time.monotonic() + SPAWN_TIMEOUT
    page = session.get(f"{run.hub.url}/hub/spawn", timeout=60)
    while f"/user/{RIGHT}/lab" not in page.url:
        assert time.monotonic() < deadline, f"{RIGHT}'s server did not start: {page.url}"
        time.sleep(1)
        page = session.get(f"{run.hub.url}/hub/user/{RIGHT}/lab", timeout=60)
    base = f"{run.hub.url}/user/{RIGHT}"
    listing = session.get(f"{base}/assignments", params={"course_id": COURSE_ID}, timeout=60).json()
    assert listing["success"] and DEMO_CHAPTER in {a["assignment_id"] for a in listing["value"]}
    assert session.get(f"{base}/formgrader", timeout=60).status_code == 404
    assert "nbgrader:formgrader" in page.text  # listed among the lab's disabled extensions
    uid = pwd.getpwnam(RIGHT).pw_uid
    servers = [p for p in account_processes() if "jupyterhub-singleuser" in " ".join(p.cmdline())]
    assert uid in {p.uids().real for p in servers}
    assert pwd.getpwnam(COURSE_ACCOUNT).pw_uid in {p.uids().real for p in servers}  # the formgrader service
    assert all(p.uids().real != 0 for p in servers)
    # what they write into the shared course folder stays writable by the other graders
    assert {umask(p.pid) for p in servers} == {0o002}


def umask(pid: int) -> int:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(status["Umask"], 8)


# --- the same loop in a real browser (Playwright, Debian's Chromium, as tests/test_e2e.py) -------

@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        pytest.skip("no Chromium found: apt-get install chromium-headless-shell")
    with chromium_browser(ARTIFACTS) as browser:
        yield browser


def save(page) -> None:
    """Save the open notebook: Ctrl+S from command mode, pressed again if a keystroke was lost
    while JupyterLab was busy (seen once on a loaded machine: the tab stayed modified)."""
    dirty = page.locator(".lm-TabBar-tab.lm-mod-current.jp-mod-dirty")
    for _ in range(3):
        page.keyboard.press("Escape")
        page.keyboard.press("Control+s")
        try:
            expect(dirty).to_have_count(0, timeout=20_000)
            return
        except AssertionError:
            continue
    expect(dirty).to_have_count(0)


def snap(page, name: str) -> None:
    e2e.snap(page, name, ARTIFACTS)


def quiet_lab(user: str) -> None:
    """No "get notified about Jupyter news?" pop-up over the user's JupyterLab."""
    home = Path(pwd.getpwnam(user).pw_dir)
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    for path in [home / ".jupyter", *(home / ".jupyter").rglob("*")]:
        os.chown(path, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)


def log_in(browser, run: Run, user: str, then: str | None = None):
    """A page logged in through the hub's login form: on the user's JupyterLab once it runs, or
    on the hub's page ``then`` (a path, such as the formgrader's) without starting the user's server."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{run.hub.url}/hub/login" + (f"?next={quote(then)}" if then else ""))
    page.fill("#username_input", user)
    page.fill("#password_input", run.passwords[user])
    snap(page, f"{user}_01_login")
    page.click("#login_submit")
    if then:  # the login page's own address holds `then` (in ?next=): wait for the page itself
        page.wait_for_url(lambda url: urlparse(url).path == then)
        return page
    quiet_lab(user)
    page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=SPAWN_TIMEOUT * 1000)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).wait_for()
    return page


def assignment_list(page):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    return page.locator("#assignments")


@pytest.mark.e2e
def test_a_class_in_the_browser(run, chromium):
    """A student logs in, fetches chapter 1 from the Assignment List, answers one question,
    validates and submits; the instructor logs in, collects it in the formgrader and grades it
    with the course's tooling; the student fetches the feedback: score and failure messages,
    no hidden tests."""
    student = STUDENTS[2]  # not in the scripted demo: starts from nothing
    page = log_in(chromium, run, student)
    listing = assignment_list(page)
    released = listing.locator("#released_assignments_list .list_item", has_text=DEMO_CHAPTER)
    snap(page, f"{student}_02_assignment_list")
    released.get_by_role("button", name="Fetch").click()
    fetched = listing.locator("#fetched_assignments_list .list_item", has_text=DEMO_CHAPTER).first
    fetched.locator("a.assignment-notebooks-link").click()  # unfolds the chapter's notebooks
    fetched.locator("a", has_text=re.compile(rf"^{DEMO_CHAPTER}$")).last.click()
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for()
    wait_idle(page)
    nb = nbformat.read(Path(pwd.getpwnam(student).pw_dir) / DEMO_CHAPTER / f"{DEMO_CHAPTER}.ipynb", as_version=4)
    type_into(page, cell_index(nb, graded("design_matrix")), RIGHT_DESIGN_MATRIX)
    save(page)
    page.get_by_role("button", name="Validate").click()
    results = page.locator(".jp-Dialog", has_text="Validation Results")
    expect(results).to_contain_text("NotImplementedError")  # the questions not answered yet
    snap(page, f"{student}_03_validated")
    page.keyboard.press("Escape")
    listing = assignment_list(page)
    listing.locator("#fetched_assignments_list .list_item", has_text=DEMO_CHAPTER).first.get_by_role(
        "button", name="Submit").click()
    expect(listing.locator("#submitted_assignments_list")).to_contain_text(DEMO_CHAPTER)
    snap(page, f"{student}_04_submitted")
    inbound = run.layout.exchange / COURSE_ID / "inbound"
    assert len(list(inbound.glob(f"{student}+{DEMO_CHAPTER}+*"))) == 1

    # the formgrader's own address (README), as a grader's bookmark would have it: no JupyterLab of theirs
    teacher = log_in(chromium, run, INSTRUCTOR, then=f"/services/{COURSE_ID}/formgrader/manage_assignments")
    row = teacher.locator("tr", has=teacher.locator("td.name", has_text=DEMO_CHAPTER))
    expect(row.locator("td.num-submissions")).to_have_text("2")  # the demo's two, collected
    row.locator("td.collect a").click()
    collected = teacher.locator("#success-modal")
    expect(collected).to_contain_text("Successfully collected")
    expect(collected).to_be_visible()
    expect(row.locator("td.num-submissions")).to_have_text("3")
    snap(teacher, f"{INSTRUCTOR}_05_collected")
    course_command("grade", DEMO_CHAPTER, layout=run.layout)
    return_feedback(run.layout)
    teacher.goto(f"{run.hub.url}/services/{COURSE_ID}/formgrader/manage_submissions/{DEMO_CHAPTER}")
    score = scores(run.layout)[student]
    assert 0 < score.tests < score.tests_max  # one question of many answered, right
    graded_row = teacher.locator("tr", has_text=student)
    expect(graded_row).to_contain_text("graded")
    expect(graded_row).to_contain_text(f"{score.score:g} / {score.max_score:g}")
    snap(teacher, f"{INSTRUCTOR}_06_graded")

    listing = assignment_list(page)
    listing.locator("#refresh_assignments_list").click()
    submitted = listing.locator("#submitted_assignments_list .list_item", has_text=DEMO_CHAPTER)
    submitted.get_by_role("button", name="Fetch Feedback").click()
    expect(listing.locator("#submitted_assignments_list")).to_contain_text("view feedback")
    snap(page, f"{student}_07_feedback_fetched")
    [html] = feedback_files(student)
    folder = html.relative_to(Path(pwd.getpwnam(student).pw_dir))
    page.goto(f"{run.hub.url}/user/{student}/files/{folder}")
    expect(page.locator("body")).to_contain_text("NotImplementedError")
    body = page.locator("body").inner_text()
    assert f"Score: {score.score:g}" in body or f"{score.score:g} / {score.max_score:g}" in body, body[:500]
    assert "hidden tests: not shown" in body and HIDDEN_BEGIN not in body
    snap(page, f"{student}_08_feedback")


def test_clean_leaves_no_account_process_or_folder(run):
    hub_process = psutil.Process(run.hub.pid)
    proxy_pid = int((run.layout.state / "proxy.pid").read_text())
    clean(run.layout)
    assert not hub_process.is_running() or hub_process.status() == psutil.STATUS_ZOMBIE
    assert not psutil.pid_exists(proxy_pid)
    for name in ACCOUNTS:
        with pytest.raises(KeyError):
            pwd.getpwnam(name)
        assert not Path("/home", name).exists()
    with pytest.raises(KeyError):
        grp.getgrnam(GROUP)
    assert not run.layout.base.exists()
    left = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real in run.uids]
    assert not left, left
    assert course_hub.stop(run.layout) is False  # nothing left to stop
