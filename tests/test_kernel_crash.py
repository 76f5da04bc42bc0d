"""``course.kernel_crash.CrashTolerantExecute`` on small notebooks in real kernels: a crash is
recorded on its cell, a fresh kernel carries on with the notebook's names, and once the
restarts are spent no cell is left without an error that nbgrader could score as passed."""
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.kernel_crash import CRASHED, NOT_RUN, CrashTolerantExecute

CRASH = "import os\nos._exit(1)"


def run(cells, **options):
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    CrashTolerantExecute(timeout=60, **options).preprocess(nb, {"metadata": {"path": "."}})
    return nb


def errors(cell) -> list[str]:
    return [o.ename for o in cell.get("outputs", []) if o.output_type == "error"]


def text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []))


def test_a_crash_costs_only_its_cell_and_the_names_above_survive():
    nb = run([new_code_cell("x = 41\nprint('ran once')"), new_code_cell(CRASH), new_markdown_cell("prose"),
              new_code_cell("print(x + 1)"), new_code_cell(CRASH)])
    assert [errors(c) for c in nb.cells] == [[], [CRASHED], [], [], [CRASHED]]
    assert text(nb.cells[0]) == "ran once\n"  # the outputs of the student's run, not the replay's
    assert text(nb.cells[3]) == "42\n"
    assert "fresh kernel" in nb.cells[1].outputs[-1].evalue and "fresh kernel" not in nb.cells[4].outputs[-1].evalue


def test_once_the_restarts_are_spent_every_later_code_cell_gets_an_error():
    nb = run([new_code_cell("x = 1"), new_code_cell(CRASH), new_code_cell("print('a test that would pass')"),
              new_markdown_cell("prose")], max_restarts=0)
    assert [errors(c) for c in nb.cells] == [[], [CRASHED], [NOT_RUN], []]
    assert text(nb.cells[2]) == ""
