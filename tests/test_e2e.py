"""The student's and the instructor's journey in a real browser.

Playwright drives Debian's Chromium (``chromium-headless-shell`` or ``chromium``; no browser is
downloaded) through a JupyterLab that each test module starts on 127.0.0.1 with a token and a
free port, in a temporary copy of the course, and stops afterwards, even on failure:

- a student opens chapter 1's release notebook, types a right and then a wrong answer and runs
  the visible test after each, then validates the notebook (``make lab``'s student view);
- a student moves the ridge explorer's slider and the plot changes;
- a student trains the playground for a few epochs and its loss falls;
- an instructor opens the formgrader and sees the assignment and a graded submission.

Screenshots of every step go to ``tests/artifacts/e2e/`` (git-ignored).
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect, sync_playwright

from course.grading import autograde, scratch_course, submit
from course.nbgrader_run import environment
from course.notebooks import find_chapters, grade_cells

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts" / "e2e"
# What `make lab` and `make formgrader` add to `jupyter lab` (environment, arguments).
VIEWS = {
    "student": ({"JUPYTER_CONFIG_PATH": str(ROOT / "course" / "student_view")}, []),
    "instructor": ({}, ["--LabApp.default_url=/formgrader"]),
}
CHAPTER = "ch01_linear_regression"
CHROMIUM = next(filter(None, map(shutil.which, ["chromium-headless-shell", "chromium"])), None)
TIMEOUT_MS = 60_000  # the longest any single step may take on a busy machine: a cell, a page, a redraw

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found: apt-get install chromium-headless-shell"),
]


# --- JupyterLab, started and stopped by the tests ---------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: its address, token and the folder it serves."""

    def __init__(self, port: int, token: str, root: Path) -> None:
        self.port, self.token, self.root = port, token, root

    def url(self, path: str) -> str:
        separator = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path}{separator}token={self.token}"


@contextmanager
def jupyter_lab(cwd: Path, root_dir: Path, view: str):
    """JupyterLab serving ``root_dir`` from ``cwd`` (where nbgrader reads its config) as
    ``make lab`` ("student") or ``make formgrader`` ("instructor") starts it, with user
    settings and workspaces kept in a scratch folder; stopped on exit, even on failure."""
    view_env, view_args = VIEWS[view]
    home = cwd / ".jupyter-home"
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    # No "get notified about Jupyter news?" pop-up over the notebook.
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = environment() | {
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    } | view_env
    lab = Lab(free_port(), os.urandom(12).hex(), root_dir)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={lab.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={lab.token}",
               f"--ServerApp.root_dir={root_dir}", *view_args]
    log = open(cwd / "jupyterlab.log", "w")
    server = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        wait_until_serving(lab, server, cwd / "jupyterlab.log")
        yield lab
    finally:
        server.terminate()  # JupyterLab shuts its kernels down on SIGTERM
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
        log.close()


def wait_until_serving(lab: Lab, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(lab.url("api/status"), timeout=2):
                return
        except OSError:
            time.sleep(0.2)  # polling a server that is starting: nothing to wait_for yet
    raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


# --- the browser ----------------------------------------------------------------------------

@contextmanager
def chromium_browser(artifacts: Path):
    """Debian's Chromium driven by Playwright; ``artifacts`` emptied for this run's screenshots."""
    expect.set_options(timeout=TIMEOUT_MS)
    shutil.rmtree(artifacts, ignore_errors=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def browser():
    with chromium_browser(ARTIFACTS) as chromium:
        yield chromium


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def snap(page, name: str, artifacts: Path = ARTIFACTS) -> None:
    """A screenshot of the current step, kept as a test artefact in ``artifacts``."""
    artifacts.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=artifacts / f"{name}.png")


# --- a notebook in JupyterLab ---------------------------------------------------------------

def open_notebook(page, lab: Lab, path: str) -> None:
    """Open ``path`` (relative to the server's root) in a fresh workspace; wait for an idle kernel."""
    page.goto(lab.url(f"lab/tree/{path}?reset"))
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    expect(page.locator(".jp-NotebookPanel-toolbar .jp-KernelName")).to_have_text("Python 3 (ipykernel)")
    wait_idle(page)


def wait_idle(page) -> None:
    expect(page.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute("data-status", "idle")


def cell_index(nb, predicate) -> int:
    """Index of the only cell of ``nb`` for which ``predicate(cell)`` holds."""
    found = [i for i, cell in enumerate(nb.cells) if predicate(cell)]
    assert len(found) == 1, f"{len(found)} cells match"
    return found[0]


def graded(grade_id: str):
    return lambda cell: cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id


def containing(text: str):
    return lambda cell: cell.cell_type == "code" and text in cell.source


def cell(page, index: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def edit(page, index: int):
    """Put the cursor in a code cell's editor, which makes it the active cell; the editor.

    Focused, not clicked: math and plots still rendering above it move a cell under the
    mouse, so a click can land on another one."""
    target = cell(page, index)
    editor = target.locator(".cm-content")
    editor.focus()
    expect(editor).to_be_focused()
    expect(target).to_have_class(re.compile(r"\bjp-mod-active\b"))
    return editor


def type_into(page, index: int, code: str) -> None:
    """Replace a code cell's text by ``code``, as a student pasting it in."""
    code = code.strip("\n")
    editor = edit(page, index)
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)  # inserted whole: the editor's auto-indent would re-indent keystrokes
    expect(editor).to_have_text(code.replace("\n", ""))  # CodeMirror's lines have no newlines
    page.keyboard.press("Escape")


def run_cell(page, index: int):
    """Run one cell with Shift+Enter and wait until it has finished; the cell's locator."""
    target = cell(page, index)
    prompt = target.locator(".jp-InputPrompt")
    before = prompt.inner_text()
    edit(page, index)
    page.keyboard.press("Shift+Enter")
    expect(prompt).not_to_have_text(before)
    expect(prompt).to_have_text(re.compile(r"\[\d+\]:"))
    wait_idle(page)
    return target


def run_all(page) -> None:
    """Run → Run All Cells, as a student would after opening a notebook (it stops at the
    first cell that raises)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()


def stderr_of(target):
    """The outputs a cell wrote to stderr (tracebacks included)."""
    return target.locator('[data-mime-type="application/vnd.jupyter.stderr"]')


# --- the student ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def student_lab(tmp_path_factory):
    """``make lab`` in a scratch copy of the course: the student view on release/."""
    course = tmp_path_factory.mktemp("student")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "release", course / "release")
    (course / ".exchange").mkdir()  # as `make lab` does, for the assignment list
    with jupyter_lab(course, course / "release", "student") as lab:
        yield lab


def release_notebook():
    return nbformat.read(ROOT / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)


def own_copy(lab: Lab, folder: str) -> str:
    """A copy of chapter 1's release in ``folder`` (so its own kernel): its path in the lab."""
    (lab.root / folder).mkdir()
    shutil.copy(lab.root / CHAPTER / f"{CHAPTER}.ipynb", lab.root / folder)
    return f"{folder}/{CHAPTER}.ipynb"


RIGHT_DESIGN_MATRIX = '''\
def design_matrix(X):
    X = np.asarray(X, dtype=float)
    return np.column_stack([np.ones(len(X)), X])
'''
WRONG_DESIGN_MATRIX = RIGHT_DESIGN_MATRIX.replace("[np.ones(len(X)), X]", "[X, np.ones(len(X))]")


def test_student_answers_and_runs_the_visible_test(page, student_lab):
    nb = release_notebook()
    answer, test = cell_index(nb, graded("design_matrix")), cell_index(nb, graded("test_design_matrix_visible"))
    open_notebook(page, student_lab, f"{CHAPTER}/{CHAPTER}.ipynb")
    snap(page, "01_student_opens_release")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
    expect(page.locator(".lm-Menu-itemLabel", has_text="Assignment List")).to_be_visible()
    expect(page.locator(".lm-Menu-itemLabel", has_text="Formgrader")).to_have_count(0)
    page.keyboard.press("Escape")

    run_all(page)
    blank = cell(page, test)
    expect(blank.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]:"))
    wait_idle(page)
    expect(stderr_of(blank)).to_contain_text("NotImplementedError")

    type_into(page, answer, RIGHT_DESIGN_MATRIX)
    run_cell(page, answer)
    passed = run_cell(page, test)
    passed.scroll_into_view_if_needed()
    snap(page, "02_student_right_answer_passes")
    assert stderr_of(passed).all_text_contents() == [], "a right answer passes its visible test silently"

    type_into(page, answer, WRONG_DESIGN_MATRIX)
    run_cell(page, answer)
    failed = run_cell(page, test)
    failed.scroll_into_view_if_needed()
    snap(page, "03_student_wrong_answer_fails")
    expect(stderr_of(failed)).to_contain_text("CheckFailed: design_matrix(X) on a 3x2 example")
    expect(stderr_of(failed)).to_contain_text("Hint: the column of ones comes first")

    # nbgrader's Validate button runs the saved notebook as the grader would.
    page.keyboard.press("Control+s")
    expect(page.locator(".lm-TabBar-tab.lm-mod-current.jp-mod-dirty")).to_have_count(0)
    page.get_by_role("button", name="Validate").click()
    results = page.locator(".jp-Dialog", has_text="Validation Results")
    expect(results).to_contain_text("CheckFailed: design_matrix(X) on a 3x2 example")
    snap(page, "04_student_validates")


def solution_code(grade_id: str) -> str:
    """The source notebook's answer cell ``grade_id``: a right answer for the student to paste."""
    source = nbformat.read(ROOT / "source" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    return source.cells[cell_index(source, graded(grade_id))].source


def test_student_moves_the_ridge_slider_and_the_plot_changes(page, student_lab):
    nb = release_notebook()
    open_notebook(page, student_lab, own_copy(student_lab, "ridge"))
    needed = ["polynomial_features", "ridge_fit", "mse"]  # what the explorer calls
    for answer in needed:
        type_into(page, cell_index(nb, graded(answer)), solution_code(answer))
    for index in [cell_index(nb, graded("setup")), cell_index(nb, containing("noisy_curve("))]:
        run_cell(page, index)
    for answer in needed:
        assert stderr_of(run_cell(page, cell_index(nb, graded(answer)))).all_text_contents() == []
    app = run_cell(page, cell_index(nb, containing("ridge_explorer(")))
    plot = app.locator(".widget-output img")
    expect(plot).to_have_attribute("src", re.compile("^data:image/png;base64,"))
    app.scroll_into_view_if_needed()
    snap(page, "05_ridge_explorer_before")
    status = app.locator(".widget-html-content").first
    expect(status).to_contain_text("degree 3")
    src_before, pixels_before = plot.get_attribute("src"), plot.screenshot()

    slider = app.locator(".widget-slider", has_text="degree")
    handle = slider.locator(".noUi-handle")
    handle.hover()  # waits until the handle stands still, then puts the mouse on it
    box = handle.bounding_box()
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    degree = slider.locator(".widget-readout")
    expect(degree).not_to_have_text("3")
    assert int(degree.inner_text()) > 3, "dragged to the right: a higher degree"
    expect(status).to_contain_text(f"degree {degree.inner_text()},")  # refitted at the new degree
    expect(plot).not_to_have_attribute("src", src_before)
    wait_idle(page)
    snap(page, "06_ridge_explorer_after_slider")
    assert plot.screenshot() != pixels_before, "the plot on screen changed"


def losses_in(status) -> tuple[int, float]:
    """(epoch, training loss) read off the playground's status line."""
    found = re.search(r"epoch (\d+).*?train loss ([\d.]+)", status.text_content())
    assert found, status.text_content()
    return int(found.group(1)), float(found.group(2))


def test_student_plays_the_playground_and_the_loss_falls(page, student_lab):
    scratch = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from utils.widgets import playground, show\n\nshow(playground(seed=0))")])
    scratch.metadata.kernelspec = release_notebook().metadata.kernelspec
    nbformat.write(scratch, student_lab.root / "playground.ipynb")
    open_notebook(page, student_lab, "playground.ipynb")
    app = run_cell(page, 0)
    status = app.locator(".widget-html-content", has_text="train loss")
    expect(status).to_contain_text("epoch 0")
    snap(page, "07_playground_before")
    start = losses_in(status)

    play = app.locator(".widget-play")
    play.locator("button:has(.fa-play)").click()  # one epoch per tick
    expect(status).to_contain_text(re.compile(r"epoch ([5-9]|\d\d+)\b"))
    play.locator("button:has(.fa-pause)").click()
    wait_idle(page)
    snap(page, "08_playground_after_epochs")
    end = losses_in(status)
    assert end[0] >= 5 and end[1] < start[1], (start, end)


# --- the instructor ---------------------------------------------------------------------------

def graded_course(folder: Path) -> tuple[Path, str]:
    """A scratch copy of the course in ``folder`` whose gradebook holds chapter 1 and one
    autograded submission (the solution, handed in by "alice"); the course and alice's score
    as the formgrader writes it (autograded points / all points, written answers included)."""
    chapter, = find_chapters(ROOT, [CHAPTER])
    course = scratch_course(ROOT, [chapter], folder)
    (course / ".exchange").mkdir()  # as `make formgrader` does: release/collect then work
    submit(course, "alice", CHAPTER, chapter.source)
    alice = autograde(course, CHAPTER)["alice"]
    assert alice.error == "" and alice.score == alice.max_score > 0
    all_points = sum(cell.metadata["nbgrader"]["points"] for cell in grade_cells(release_notebook()))
    return course, f"{alice.score:g} / {all_points:g}"


@pytest.fixture(scope="module", autouse=True)
def course_being_graded(tmp_path_factory):
    """``graded_course``, prepared by nbgrader in the background from the module's start:
    its minute of nbgrader work overlaps the student's tests, which mostly wait on the browser."""
    with ThreadPoolExecutor(1) as pool:
        yield pool.submit(graded_course, tmp_path_factory.mktemp("instructor"))


def test_instructor_sees_assignments_and_submissions_in_formgrader(page, course_being_graded):
    course, alice_score = course_being_graded.result()
    with jupyter_lab(course, course, "instructor") as lab:
        page.goto(lab.url(""))  # `make formgrader` opens the formgrader
        expect(page.locator("h1", has_text="Manage Assignments")).to_be_visible()
        row = page.locator("tr", has_text=CHAPTER)
        expect(row).to_be_visible()
        snap(page, "09_formgrader_assignments")
        submissions = row.locator("a[href*='manage_submissions']")
        expect(submissions).to_have_text("1")
        submissions.click()
        student = page.locator("tr", has_text="alice")
        expect(student).to_contain_text(alice_score)
        expect(student).to_contain_text("needs manual grading")
        snap(page, "10_formgrader_submissions")
