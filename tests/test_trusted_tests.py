"""``course.trusted_tests``: test cells run in the grader's process against the student's code
in a real (sandboxed) kernel, as ``nbgrader autograde`` runs them. What the student sees in a
test cell's outputs is what a test cell in the kernel showed; the test's source never enters the
kernel; a student's function that hangs or kills its kernel costs its test cell only."""
import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from course.kernel_crash import CRASHED
from course.sandbox import SandboxedExecute

SETUP = "import numpy as np"


def solution(code: str, grade_id: str = "answer"):
    return new_code_cell(code, metadata={"nbgrader": {"solution": True, "grade": False, "locked": False,
                                                      "grade_id": grade_id, "schema_version": 3}})


def graded_test(code: str, grade_id: str):
    return new_code_cell(code, metadata={"nbgrader": {"solution": False, "grade": True, "locked": True,
                                                      "grade_id": grade_id, "points": 1, "schema_version": 3}})


def run(*cells, timeout: float = 30):
    nb = new_notebook(cells=[new_code_cell(SETUP), *cells],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    SandboxedExecute(timeout=timeout).preprocess(nb, {"metadata": {"path": "."}})
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def errors(cell) -> list[tuple[str, str]]:
    return [(o.ename, o.evalue) for o in cell.outputs if o.output_type == "error"]


def stream(cell, name: str) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == name)


CHECKS = "from utils.checks import check_close, check_shape\n"


def test_right_code_passes_and_wrong_code_fails_with_the_checks_message():
    cells = run(solution("def double(x):\n    return 2 * x\n\ndef wrong(x):\n    return 3 * x"),
                graded_test(CHECKS + "check_close('double([1, 2])', double(np.array([1.0, 2.0])), [2.0, 4.0])", "t_right"),
                graded_test(CHECKS + "check_close('wrong([1, 2])', wrong(np.array([1.0, 2.0])), [2.0, 4.0],\n"
                                   "            hint='twice x')", "t_wrong"))
    assert cells["t_right"].outputs == []
    [(ename, evalue)] = errors(cells["t_wrong"])
    assert ename == "CheckFailed" and "wrong([1, 2])" in evalue and "Hint: twice x" in evalue
    shown = "\n".join(cells["t_wrong"].outputs[0].traceback)
    assert "check_close('wrong([1, 2])'" in shown and "utils/checks.py" not in shown


def test_what_the_students_code_prints_or_warns_shows_in_the_graded_test():
    cells = run(solution("import warnings\n\ndef noisy(x):\n    print('computing', x)\n"
                         "    warnings.warn('careful')\n    return x"),
                graded_test("print('test says hi')\nassert noisy(3) == 3", "t"))
    assert stream(cells["t"], "stdout") == "test says hi\ncomputing 3\n"
    assert "UserWarning: careful" in stream(cells["t"], "stderr")  # so nbgrader scores the cell zero
    assert errors(cells["t"]) == []


def test_an_error_in_the_students_code_shows_its_own_line():
    cells = run(solution("def f(x):\n    return x.no_such_attribute"), graded_test("f(np.zeros(2))", "t"))
    [(ename, evalue)] = errors(cells["t"])
    assert ename == "AttributeError" and "no_such_attribute" in evalue
    assert "return x.no_such_attribute" in "\n".join(cells["t"].outputs[-1].traceback)


def test_a_test_may_swap_a_helper_the_students_code_calls():
    cells = run(solution("def helper():\n    return 1\n\ndef uses_helper():\n    return helper() + 1"),
                graded_test("mine, helper = helper, lambda: 10\ntry:\n    value = uses_helper()\nfinally:\n"
                          "    helper = mine\nassert value == 11, value\nassert uses_helper() == 2", "t"))
    assert errors(cells["t"]) == []


def test_code_that_hangs_or_kills_its_kernel_costs_its_test_cell_only():
    cells = run(solution("import os\n\ndef forever():\n    while True:\n        pass\n\ndef die():\n    os._exit(1)\n\n"
                         "def fine():\n    return 5"),
                graded_test("forever()", "t_hang"), graded_test("assert fine() == 5", "t_after_hang"),
                graded_test("die()", "t_die"), graded_test("assert fine() == 5", "t_after_death"), timeout=3)
    assert [e for e, _ in errors(cells["t_hang"])] == ["NotebookTimeout"]
    assert errors(cells["t_after_hang"]) == []
    assert [e for e, _ in errors(cells["t_die"])] == [CRASHED]
    assert errors(cells["t_after_death"]) == []  # a fresh kernel, with the solution cell run again


def test_the_tests_source_never_reaches_the_kernel():
    spy = ("seen = []\nget_ipython().events.register('pre_run_cell', lambda info: seen.append(info.raw_cell))\n"
           "def f():\n    return 1")
    cells = run(solution(spy), graded_test("SECRET_MARKER = 1\nassert f() == 1", "t"),
                solution("print(any('SECRET_' + 'MARKER' in cell for cell in seen), len(seen) > 0)", "after"))
    assert errors(cells["t"]) == []
    assert stream(cells["after"], "stdout") == "False True\n"


def test_a_kernel_that_breaks_the_conversation_fails_the_test():
    cells = run(solution("import utils.remote\nutils.remote.serve = lambda: None\n\ndef f():\n    return 1"),
                graded_test("assert f() == 1", "t"))
    [(ename, evalue)] = errors(cells["t"])
    assert ename == "ProtocolError" and "stopped answering" in evalue


def test_graded_notebooks_keep_nbformat_valid():
    cells = run(solution("def f():\n    print('x')\n    return 1"), graded_test("assert f() == 2", "t"))
    nb = new_notebook(cells=list(cells.values()))
    nbformat.validate(nb)


def test_a_test_sees_the_warnings_of_the_students_code_and_measures_its_memory_in_the_kernel():
    """A warning raised in the kernel while a test calls the student's code is raised again in the
    grader, under the test's filters; ``peak_memory`` measures where the function runs."""
    cells = run(solution("import warnings\n\ndef noisy():\n    warnings.warn('overflow', RuntimeWarning)\n"
                         "    return 1\n\ndef big(n):\n    return np.ones((n, n)).sum()"),
                graded_test("import warnings\nwith warnings.catch_warnings(record=True) as caught:\n"
                            "    warnings.simplefilter('always')\n    noisy()\n"
                            "assert [(w.category, str(w.message)) for w in caught] == [(RuntimeWarning, 'overflow')]",
                            "t_recorded"),
                graded_test("import warnings\nwith warnings.catch_warnings():\n    warnings.simplefilter('error')\n"
                            "    noisy()", "t_error"),
                graded_test("from utils.remote import peak_memory\npeak = peak_memory(big, 1000)\n"
                            "assert 8e6 <= peak < 2e7, peak", "t_memory"))
    assert errors(cells["t_recorded"]) == [] and stream(cells["t_recorded"], "stderr") == ""
    assert errors(cells["t_error"]) == [("RuntimeWarning", "overflow")]
    assert errors(cells["t_memory"]) == []


def test_a_warning_after_a_flood_of_output_still_costs_the_cell():
    """nbgrader keeps the first 1000 lines of a cell's streams (LimitOutput): a warning of the
    student's code after 1500 lines of output (here the test's own, which come first for sure)
    must still cost the cell its points."""
    from nbgrader.preprocessors import LimitOutput
    from nbgrader.utils import determine_grade

    cells = run(solution("import warnings\n\ndef noisy(x):\n    warnings.warn('careful')\n    return 2 * x"),
                graded_test("for i in range(1500):\n    print(i)\nassert noisy(2) == 4", "t"))
    limited, _ = LimitOutput().preprocess_cell(cells["t"], {}, 0)
    assert determine_grade(limited) == (0, 1)


def test_a_warning_the_student_chose_to_ignore_stays_ignored():
    cells = run(solution("import warnings\nwarnings.filterwarnings('ignore', category=RuntimeWarning)\n\n"
                         "def entropy_term(p):\n    return p * np.log(p)"),
                graded_test("assert np.isnan(entropy_term(np.float64(0.0)))", "t"))
    assert cells["t"].outputs == []
