"""The extraction behind `make mutation` (benchmarks/mutation.py), on chapter 1: the module built
from the notebook's answer cells defines every graded name, and the pytest suite built from its
test cells passes on the solution, passes on a right-but-different answer and fails on a
catalogued mistake, in that answer's own test cells. mutmut itself is not run here (minutes)."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course.notebooks import find_chapters, generated_source, is_test_cell
from tests.catalogue import load

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "ch01_linear_regression"


def _tool():
    spec = importlib.util.spec_from_file_location("mutation_tool", ROOT / "benchmarks" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


tool = _tool()
chapter = find_chapters(ROOT, [CHAPTER])[0]


def _run_suite(suite, folder: Path, answer: str | None = None) -> subprocess.CompletedProcess:
    """The generated suite (only ``answer``'s two test cells when given), run by pytest in the
    scratch project, as mutmut runs it."""
    tool.write_project(suite, folder)
    selected = [f"tests/test_{CHAPTER}.py::test_{answer}_{kind}" for kind in ("visible", "hidden")] if answer else []
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(selected or ["tests"])],
                          cwd=folder, capture_output=True, text=True, timeout=300)


def test_extracted_module_defines_every_graded_name_and_every_test_cell():
    nb = nbformat.reads(generated_source(chapter), as_version=4)
    answers = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
    tests = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if is_test_cell(c)]
    suite = tool.extract(chapter)
    assert suite.graded_names == answers and len(answers) == 8
    assert list(suite.tests) == tests and len(tests) == 2 * len(answers)
    namespace = {}
    exec(compile(suite.module, CHAPTER, "exec"), namespace)
    for name in answers:
        assert callable(namespace.get(name)), f"the extracted module lacks {name}"


def test_generated_suite_passes_on_the_solution(tmp_path):
    suite = tool.extract(chapter)
    run = _run_suite(suite, tmp_path / CHAPTER)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(suite.tests)} passed" in run.stdout


def test_generated_suite_fails_a_catalogued_mistake_in_its_own_test_cells(tmp_path):
    wrong = load(CHAPTER)[0][0]
    run = _run_suite(tool.extract(chapter, {wrong.answer: wrong.code}), tmp_path / CHAPTER, wrong.answer)
    assert run.returncode == 1, f"{wrong.name} passed:\n{run.stdout}"
    assert f"FAILED tests/test_{CHAPTER}.py::test_{wrong.answer}_" in run.stdout, run.stdout


def test_generated_suite_passes_a_right_but_different_answer(tmp_path):
    right = load(CHAPTER)[1][0]
    run = _run_suite(tool.extract(chapter, {right.answer: right.code}), tmp_path / CHAPTER, right.answer)
    assert run.returncode == 0, f"{right.name} failed:\n{run.stdout}"
    assert "2 passed" in run.stdout


def test_a_cell_rebinding_a_name_changes_what_the_answers_call_until_it_ends(tmp_path):
    # As in the kernel: a hidden test may wrap a helper the answer calls (to record its calls).
    suite = tool.Suite(chapter="toy", module="def helper():\n    return 1\n\n\ndef answer():\n    return helper()\n",
                       tests={"test_answer_hidden": "helper = lambda: 2\nassert answer() == 2\n",
                              "test_answer_visible": "assert answer() == 1\n"},
                       graded_names=["answer"], library=ROOT / "utils")
    tool.write_project(suite, tmp_path / "toy")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                         cwd=tmp_path / "toy", capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout


def test_unknown_answer_cell_is_refused():
    with pytest.raises(ValueError, match="no answer cell"):
        tool.extract(chapter, {"test_mse_hidden": "pass\n"})


def test_survivors_are_keyed_by_function_and_changed_lines():
    assert tool.function_of(f"{CHAPTER}.x_ridge_fit__mutmut_16") == "ridge_fit"
    assert tool.function_of("ch04_backprop.xǁLinearǁ__init____mutmut_14") == "Linear.__init__"
    diff = "--- a.py\n+++ a.py\n@@ -1,3 +1,3 @@\n     x = 1\n-    y = a - b\n+    y = a + b\n"
    assert tool.changed_lines(diff) == ("y = a - b", "y = a + b")


def test_results_section_replaces_only_its_own(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text(f"# Measured\n\n## Before\n\nkept\n\n{tool.SECTION}\n\nold\n\n## After\n\nalso kept\n")
    tool.write_results(f"{tool.SECTION}\n\nnew\n", results)
    assert results.read_text() == f"# Measured\n\n## Before\n\nkept\n\n{tool.SECTION}\n\nnew\n\n## After\n\nalso kept\n"
