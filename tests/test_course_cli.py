"""The course CLI on a small toy course built in a temporary folder: sync, check's findings,
clear errors for bad input, and build + verify through real nbgrader."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course.check import problems
from course.notebooks import Chapter, NotebookError, find_chapters, full_metadata, notebook_from_text, sync
from tests.warm_workers import warm_workers

FIXTURE = Path(__file__).parent / "fixtures" / "ch00_toy.pct.py"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def toy(tmp_path):
    """A course folder with one synced toy chapter."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    folder = tmp_path / "source" / "ch00_toy"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURE, folder / "ch00_toy.pct.py")
    chapter = Chapter("ch00_toy", tmp_path)
    sync(chapter)
    return chapter


def run_cli(root, *args):
    return subprocess.run([sys.executable, "-m", "course", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=300)


def edit_source(chapter, change):
    nb = nbformat.read(chapter.source, as_version=4)
    change(nb)
    nbformat.write(nb, chapter.source)


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_short_metadata_is_completed_to_nbgrader_schema_3():
    assert full_metadata({"grade": True, "grade_id": "t", "points": 2}) == {
        "grade": True, "grade_id": "t", "locked": True, "schema_version": 3, "solution": False,
        "task": False, "points": 2}
    assert full_metadata({"solution": True, "grade_id": "f"})["locked"] is False
    with pytest.raises(NotebookError, match="unknown nbgrader keys"):
        full_metadata({"grade_id": "x", "pionts": 1})
    with pytest.raises(NotebookError, match="lacks a grade_id"):
        full_metadata({"solution": True})


def test_sync_is_stable_and_check_accepts_the_toy(toy):
    assert sync(toy) is False  # already in step: nothing rewritten
    assert problems(toy) == []
    nb = notebook_from_text(FIXTURE.read_text())
    assert [c.cell_type for c in nb.cells][:3] == ["markdown", "code", "code"]


@pytest.mark.parametrize("change, finding", [
    (lambda nb: cell(nb, "square").__setitem__("source", "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n"),
     "unbalanced"),
    (lambda nb: cell(nb, "test_square_hidden").metadata["nbgrader"].__setitem__("grade_id", "test_square_visible"),
     "used by 2 cells"),
    (lambda nb: cell(nb, "test_square_visible").__setitem__("outputs", [nbformat.v4.new_output("stream", text="4\n")]),
     "has outputs"),
    (lambda nb: cell(nb, "test_square_hidden").__setitem__("source", "assert True"),
     "no hidden test cell test_square_hidden"),
    (lambda nb: cell(nb, "test_square_visible").metadata["nbgrader"].__setitem__("points", 0),
     "has no points"),
    (lambda nb: cell(nb, "setup").__setitem__("source", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
     "not an answer cell"),
    (lambda nb: cell(nb, "square").metadata["nbgrader"].__setitem__("schema_version", 1),
     "nbgrader metadata"),
])
def test_check_finds_each_problem(toy, change, finding):
    edit_source(toy, change)
    found = problems(toy)
    assert any(finding in p for p in found), found
    assert any("out of step" in p for p in found)  # the notebook no longer matches its twin


def test_cli_help_and_clear_errors(toy):
    assert run_cli(toy.root, "--help").returncode == 0
    unknown = run_cli(toy.root, "check", "ch99_nothing")
    assert unknown.returncode == 2
    assert "unknown chapter ch99_nothing" in unknown.stderr and "Traceback" not in unknown.stderr
    toy.text.write_text(toy.text.read_text().replace('nbgrader={"solution": true', 'nbgrader="solution"'))
    malformed = run_cli(toy.root, "sync")
    assert malformed.returncode == 2
    assert "nbgrader metadata must be a JSON object" in malformed.stderr and "Traceback" not in malformed.stderr
    toy.text.unlink()  # the notebook alone, broken
    toy.source.write_text("{ not json")
    broken = run_cli(toy.root, "check")
    assert broken.returncode == 2
    assert "not a valid notebook" in broken.stderr and "Traceback" not in broken.stderr
    with pytest.raises(NotebookError):
        find_chapters(toy.root, ["ch01_nothing"])


def test_build_then_verify_through_nbgrader(toy):
    built = run_cli(toy.root, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    release = nbformat.read(toy.release, as_version=4)
    assert "raise NotImplementedError()" in cell(release, "square").source
    assert not (toy.release.parent / "ch00_toy.pct.py").exists()
    verified = run_cli(toy.root, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "ch00_toy" in verified.stdout and "ok" in verified.stdout


def test_generating_in_process_makes_the_release_or_says_why(toy, tmp_path):
    """course.nbgrader_run.generate_assignment (nbgrader's converter in this process) writes the
    same student version and gradebook cells as the `nbgrader generate_assignment` command; a
    source nbgrader cannot read gives nbgrader's reason."""
    from course.gradebook import Gradebook
    from course.nbgrader_run import NbgraderError, generate_assignment, run_nbgrader

    command = tmp_path / "by_command"
    shutil.copytree(toy.root, command, ignore=shutil.ignore_patterns(command.name))
    run_nbgrader(command, "generate_assignment", toy.id, "--force")
    generate_assignment(toy.root, toy.id)
    assert toy.release.read_bytes() == (command / toy.release.relative_to(toy.root)).read_bytes()
    assert "raise NotImplementedError()" in cell(nbformat.read(toy.release, as_version=4), "square").source

    def cells(root):
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
            [assignment] = gradebook.assignments
            return assignment.name, sorted((c.name, c.max_score, c.cell_type) for c in assignment.notebooks[0].grade_cells)
    assert cells(toy.root) == cells(command) and cells(toy.root)[0] == toy.id
    toy.source.write_text("{ not a notebook")
    with pytest.raises(NbgraderError, match="does not appear to be JSON"):
        generate_assignment(toy.root, toy.id)


def test_verify_fails_when_a_test_passes_without_an_answer(toy):
    # A test cell that asserts nothing gives the blank release points: verify must say so.
    edit_source(toy, lambda nb: cell(nb, "test_square_visible").__setitem__("source", "x = 1"))
    toy.text.unlink()  # edit the notebook directly for this test
    assert run_cli(toy.root, "build").returncode == 0
    verified = run_cli(toy.root, "verify")
    assert verified.returncode == 1
    assert "blank release scores 1" in verified.stdout


def test_a_broken_submission_is_reported_and_spoils_no_one_else(toy, tmp_path):
    from course.grading import grade_notebooks

    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ this is not a notebook")
    results, _ = grade_notebooks(toy.root, toy, {"solution": toy.source, "broken": broken,
                                                 "also_right": toy.source}, tmp_path / "cohort",
                                  executor=warm_workers())
    assert results["solution"].score == results["also_right"].score == 3
    assert results["broken"].score == 0
    assert "does not appear to be JSON" in results["broken"].error  # nbgrader's reason, passed on
