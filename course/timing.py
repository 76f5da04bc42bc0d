"""Where a notebook run's time goes: starting its kernel, and running its cells.

``course grade`` keeps these per notebook (``reports/grading.json``) so that the time it adds
beyond the kernel and the student's cells can be measured (``benchmarks/grading_speedup.py``;
the budget is 0.5 s per notebook, DESIGN.md) and a slow notebook can be told from a slow grader.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from jupyter_core.utils import run_sync
from traitlets import Dict
from traitlets.config import LoggingConfigurable


class PhaseTimes(LoggingConfigurable):
    """Mixin for nbclient ``NotebookClient`` subclasses.

    ``timings`` holds, once a notebook has run: ``"kernel_start"``, the seconds from asking for
    a kernel until its client was ready (every kernel of the run: a crashed kernel's
    replacement too); ``"cells"``, the seconds spent executing code cells, from each request to
    its reply and last output; ``"kernel_stop"``, the seconds stopping kernels and closing
    their clients took; and ``"kernel_requested_at"``, the Unix time (s) at which the
    first kernel was asked for."""

    timings = Dict()

    @contextmanager
    def _phase(self, phase: str):
        """Add the seconds the block takes to ``timings[phase]``, however it ends."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.timings[phase] = self.timings.get(phase, 0.0) + time.monotonic() - started

    async def async_start_new_kernel(self, **kwargs):
        self.timings.setdefault("kernel_requested_at", time.time())
        with self._phase("kernel_start"):
            return await super().async_start_new_kernel(**kwargs)

    async def async_start_new_kernel_client(self):
        with self._phase("kernel_start"):
            return await super().async_start_new_kernel_client()

    async def _async_cleanup_kernel(self):
        with self._phase("kernel_stop"):
            return await super()._async_cleanup_kernel()

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        with self._phase("cells"):
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

    # nbclient binds its synchronous entry points (which nbgrader's Execute calls) to its own
    # coroutines when the class is made: bind them to these.
    start_new_kernel = run_sync(async_start_new_kernel)
    start_new_kernel_client = run_sync(async_start_new_kernel_client)
    execute_cell = run_sync(async_execute_cell)
    _cleanup_kernel = run_sync(_async_cleanup_kernel)
