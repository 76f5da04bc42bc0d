"""The attacks of issue 15, each appended to an honest (wrong) answer of chapter 1 and graded by
`course grade` (real nbgrader, sandboxed kernels) in a copy of the course, with what each must
end in: no score above the honest code, nothing outside its folder read or written, no process
left behind, memory capped, no connection made, and a reason in the report.

Also: where bubblewrap is missing, grading still works and nbgrader says once that kernels are
not sandboxed.
"""
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

from course import sandbox
from course.grade import grade_submissions
from course.grading import read_scores, submit
from course.nbgrader_run import run_nbgrader
from tests.conftest import ROOT
from tests.fixtures.cheating import ANSWER, CHAPTER, HIDDEN_TEST_LINE, attacks, honest_notebook, listening_server

OWN_TESTS = [f"test_{ANSWER}_visible", f"test_{ANSWER}_hidden"]
SOURCE = ROOT / "source" / CHAPTER / f"{CHAPTER}.ipynb"

pytestmark = pytest.mark.skipif(bool(sandbox.unavailable()), reason=f"no sandbox here: {sandbox.unavailable()}")


@pytest.fixture(scope="module")
def listener():
    with listening_server() as server:
        yield server


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(SOURCE.parent, root / "source" / CHAPTER)
    return root


@pytest.fixture(scope="module")
def marker():
    return str(uuid.uuid4().int % 10**6 + 10**6)


@pytest.fixture(scope="module")
def graded(course, listener, marker):
    """The honest student and every attack, graded as one cohort by `course grade`."""
    source = nbformat.read(SOURCE, as_version=4)
    cohort = {"honest": honest_notebook(source)}
    cohort |= {name: attempt.notebook(source) for name, attempt in attacks(course, listener[0], marker).items()}
    for student, nb in cohort.items():
        submit(course, student, CHAPTER, nb)
    return {o.student: o for o in grade_submissions(course, progress=False)}


def answer_outputs(course, student) -> str:
    """Everything the answer cell printed or raised in the graded notebook."""
    nb = nbformat.read(course / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == ANSWER)
    return "".join(o.get("text", "") + o.get("evalue", "") for o in cell.outputs)


@pytest.mark.parametrize("student", ["code_swap", "fopen", "system", "memory", "network"])
def test_no_attack_scores_above_the_honest_code(graded, student):
    attack, honest = graded[student], graded["honest"]
    assert honest.status == "graded" and 0 < honest.score < honest.max_score
    assert attack.status == "graded" and attack.max_score == honest.max_score
    assert attack.score <= honest.score
    assert sum(attack.scores[g][0] for g in OWN_TESTS) == 0


def test_the_code_swap_is_undone_and_flagged(graded):
    assert any("swaps what a function does (__code__)" in note for note in graded["code_swap"].needs_review)


def test_fopen_through_ctypes_finds_no_hidden_test(course, graded):
    printed = answer_outputs(course, "fopen")
    assert printed.count("could not open") == 2 and HIDDEN_TEST_LINE not in printed and "HIDDEN" not in printed
    assert any("ctypes" in note for note in graded["fopen"].needs_review)


def test_system_writes_nothing_outside_and_leaves_no_process(course, graded, marker):
    assert not Path(f"/tmp/{marker}.txt").exists() and not (course / f"{marker}.txt").exists()
    left = [p for p in psutil.process_iter(["cmdline"]) if marker in (p.info["cmdline"] or [])]
    assert left == []
    assert any("ctypes" in note for note in graded["system"].needs_review)


def test_a_huge_allocation_raises_memory_error_in_its_cell_only(course, graded):
    memory, honest = graded["memory"], graded["honest"]
    assert "raised MemoryError" in memory.reason and "14.0 GiB" in answer_outputs(course, "memory")
    assert memory.scores == honest.scores  # everything else was graded as usual


def test_no_connection_is_made(graded, listener):
    assert listener[1] == []
    assert "ConnectionRefusedError" in graded["network"].reason
    assert any("network connection (socket)" in note for note in graded["network"].needs_review)


def test_no_kernel_or_sandbox_outlives_grading(course, graded):
    """No process of the machine still works in the graded course, or in a grading task's
    private folder that is gone (kernels, shells, sandboxes): the grade stage runs each
    submission in a temporary ``grade-*`` folder, which other gradings running now still hold."""
    tasks = re.compile(re.escape(os.path.join(tempfile.gettempdir(), "grade-")) + r"[^/\s]+")
    left = []
    for process in psutil.process_iter(["cmdline", "cwd"]):
        where = " ".join(process.info["cmdline"] or []) + " " + (process.info["cwd"] or "")
        if str(course) in where or any(not Path(folder).exists() for folder in tasks.findall(where)):
            left.append(process.info)
    assert left == []


def test_without_bubblewrap_grading_works_and_says_so_once(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(SOURCE.parent, course / "source" / CHAPTER)
    config = (ROOT / "nbgrader_config.py").read_text()
    (course / "nbgrader_config.py").write_text(config + '\nc.SandboxedKernelManager.bwrap = "/nowhere/bwrap"\n')
    run_nbgrader(course, "generate_assignment", CHAPTER, "--force")
    source = nbformat.read(SOURCE, as_version=4)
    for student in ("first", "second"):
        submit(course, student, CHAPTER, honest_notebook(source))
    log = run_nbgrader(course, "autograde", CHAPTER, strict=False)
    assert log.count("grading kernels are NOT sandboxed (/nowhere/bwrap not found)") == 1, log
    for student in ("first", "second"):
        scores = read_scores(course, CHAPTER, student, log)
        assert scores.error == "" and 0 < scores.score < scores.max_score
