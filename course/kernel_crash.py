"""Autograding that survives a kernel crash: the crash costs only the cell that caused it.

nbgrader's ``Execute`` preprocessor is nbconvert's ``ExecutePreprocessor``, an nbclient
``NotebookClient``: when the kernel process dies (a segfault from deep recursion, the
out-of-memory killer, a crashing C extension), nbclient's ``execute_cell`` raises
``DeadKernelError`` (a ``RuntimeError``), which ends ``preprocess``, and nbgrader then keeps no
score at all for the notebook. :class:`CrashTolerantExecute` catches it at the cell instead:
it records the crash as an error on that cell (so a test cell that crashes scores zero),
starts a fresh kernel, quietly runs the code cells above again (except those that crashed, and
test cells, which run in the grader's process: ``course.trusted_tests``) so the notebook's names
exist as the student left them, and carries on with the next cell.
After ``max_restarts`` crashes, the remaining code cells are not run and each gets an error
output, so that no unexecuted test cell could be scored as passed (nbgrader gives a test cell
without an error its full points).
"""
from __future__ import annotations

import copy

from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from traitlets import Integer

from .nbgrader_execute import Execute
from .notebooks import is_test_cell

CRASHED = "KernelCrashed"   # the ename of the error recorded on the cell that killed the kernel
NOT_RUN = "NotRunAfterCrashes"


class CrashTolerantExecute(Execute):
    """nbgrader's ``Execute`` (with lost kernel messages recovered, ``course.nbgrader_execute``)
    that restarts a dead kernel and carries on (see the module)."""

    max_restarts = Integer(3, help="Kernel crashes a notebook may survive; later cells are not run.").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._crashed: list[int] = []
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if len(self._crashed) > self.max_restarts and cell.cell_type == "code" and cell.source.strip():
            _fail(cell, NOT_RUN, f"not run: the kernel had crashed {len(self._crashed)} times")
            return cell, self.resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._crashed.append(index)
            later = any(c.cell_type == "code" and c.source.strip() for c in self.nb.cells[index + 1:])
            restart = later and len(self._crashed) <= self.max_restarts  # else nbclient's clean-up ends it
            _fail(cell, CRASHED, "the kernel died while running this cell (a crash such as a segmentation fault "
                                 "from very deep recursion, or running out of memory)"
                                 + ("; the cells below ran in a fresh kernel after the cells above were run again"
                                    if restart else ""))
            self.nb.cells[index] = cell
            if restart:
                self._restart(index)
            return cell, self.resources

    def _restart(self, index: int) -> None:
        """A fresh kernel holding what the code cells above ``index`` define."""
        self._cleanup_kernel()
        self.km = self.create_kernel_manager()
        self.start_new_kernel()
        self.start_new_kernel_client()
        for earlier, cell in enumerate(self.nb.cells[:index]):
            if cell.cell_type != "code" or earlier in self._crashed or is_test_cell(cell):
                continue
            try:  # on a copy: the notebook keeps the outputs of the student's run
                self.execute_cell(copy.deepcopy(cell), earlier, store_history=False)
            except DeadKernelError:  # crashed this time round: skip it too
                self._crashed.append(earlier)
                if len(self._crashed) <= self.max_restarts:
                    self._restart(index)
                return
            finally:
                self.nb.cells[earlier] = cell  # nbclient puts the copy in its place


def _fail(cell, ename: str, evalue: str) -> None:
    """Append an error output to ``cell`` (nbgrader scores a test cell with one zero)."""
    cell.outputs = list(cell.get("outputs", [])) + [NotebookNode(
        output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])]
