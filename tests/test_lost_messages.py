"""A kernel message lost on the way costs seconds, never a cell's time limit and never points
(course/execution.py). The losses are real: a cell patches the running kernel so that one reply
never leaves it, or one request is received and dropped (tests/fixtures/lost_messages.py)."""
import shutil

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError
from nbgrader.converters.autograde import Autograde
from traitlets.config.loader import PyFileConfigLoader
from traitlets.utils.importstring import import_item

from course.execution import LostMessageRecovery, NotebookClient
from course.grade import grade_submissions
from course.notebooks import autograded_points, execute, find_chapters
from tests.conftest import ROOT
from tests.fixtures.lost_messages import DROP_NEXT_REPLY, DROP_NEXT_REQUEST, DROP_OWN_REPLY
from tests.fixtures.submissions import solved_release, with_code_before

# Generous limits: a recovery takes about lost_message_grace (5 s); waiting one out would not.
CELL_TIMEOUT = 90


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def _text(cell):
    return "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def test_a_lost_reply_is_rebuilt_and_a_dropped_request_runs_once(tmp_path):
    path = _notebook(tmp_path / "lost.ipynb",
                     "x = 1",
                     DROP_OWN_REPLY + "print('ran')",
                     "x += 1\nx",
                     DROP_NEXT_REQUEST,
                     "x += 10\nx",
                     "print(x)")
    run = execute(path, timeout=CELL_TIMEOUT)
    assert [c["action"] for c in run.recovered] == ["rebuilt reply", "ran again"]
    assert [c["cell"] for c in run.recovered] == [1, 4]
    cells = run.nb.cells
    assert _text(cells[1]) == "ran\n"  # the output that came before the lost reply is kept
    assert _text(cells[4]) == "12"  # the dropped request ran exactly once
    assert _text(cells[5]) == "12\n"
    # Nothing waited out a time limit: each recovery took about the grace period.
    assert all(c["seconds"] < CELL_TIMEOUT / 3 for c in run.recovered), run.recovered
    assert run.seconds < CELL_TIMEOUT


def test_a_rebuilt_reply_keeps_the_cells_error(tmp_path):
    """The reply of a cell that raised is rebuilt as an error reply, as the kernel's was."""
    nb = nbformat.read(_notebook(tmp_path / "raises.ipynb", DROP_OWN_REPLY + "raise ValueError('boom')",
                                 "print('after')"), as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3")
    with pytest.raises(CellExecutionError, match="boom"):
        client.execute()
    assert [c["action"] for c in client.recovered] == ["rebuilt reply"]


def test_a_notebook_without_losses_records_none(tmp_path):
    run = execute(_notebook(tmp_path / "plain.ipynb", "1 + 1"), timeout=CELL_TIMEOUT)
    assert run.recovered == [] and _text(run.nb.cells[0]) == "2"


def test_autograde_runs_nbgraders_own_steps_with_the_recovering_execute():
    """nbgrader_config.py replaces only nbgrader's Execute in autograde, by one that recovers
    lost messages (a newer nbgrader adding a step must not be silently dropped)."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    ours = [import_item(p) if isinstance(p, str) else p for p in config.Autograde.autograde_preprocessors]
    theirs = Autograde.class_traits()["autograde_preprocessors"].default()
    assert ours[1:] == theirs[1:] and theirs[0].__name__ == "Execute"
    assert issubclass(ours[0], theirs[0]) and issubclass(ours[0], LostMessageRecovery)
    assert "course.nbgrader_execute.Execute" in config.GenerateSolution.preprocessors


def test_grading_loses_nothing_when_a_test_cells_reply_is_lost(tmp_path):
    """Real nbgrader through `course grade`: the reply of the request test_mse_visible sends
    the kernel is lost. Test cells run in the grader (course/trusted_tests.py), which needs only
    the kernel's outputs and idle status: the right answer keeps every point, grading does not
    wait out the cell's time limit, and there was nothing to recover."""
    chapter = find_chapters(ROOT, ["ch01_linear_regression"])[0]
    root = tmp_path / "course"
    root.mkdir()
    config = (ROOT / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(config + f"\nc.Execute.timeout = {CELL_TIMEOUT}\n")
    shutil.copytree(chapter.source.parent, root / "source" / chapter.id)
    folder = root / "submitted" / "unlucky" / chapter.id
    folder.mkdir(parents=True)
    nbformat.write(with_code_before(solved_release(chapter), "mse", DROP_NEXT_REPLY), folder / f"{chapter.id}.ipynb")
    [outcome] = grade_submissions(root, jobs=1, notebook_timeout=3 * CELL_TIMEOUT, progress=False)
    points = autograded_points(nbformat.read(chapter.source, as_version=4))
    assert (outcome.status, outcome.score, outcome.max_score) == ("graded", points, points), outcome
    assert outcome.seconds < CELL_TIMEOUT, outcome
    assert not [n for n in outcome.needs_review if "kernel message" in n], outcome.needs_review
