"""How often does a notebook run stall on a lost kernel message? (issue: "A notebook run never
hangs on a lost kernel message")

    .venv/bin/python benchmarks/kernel_stalls.py [--runs 336] [--concurrency 3] [--timeout 20]
        [--grading] [--clients plain,course] [--transport tcp|ipc] [--log runs.jsonl]

Executes the seven solution notebooks over and over, ``--concurrency`` at a time, each run in a
fresh kernel started by its own worker process (as separate nbgrader processes start theirs),
with a short cell timeout. Widgets and figures are displayed as in a student's run, or skipped
as while grading (``--grading`` sets ``NBGRADER_EXECUTION``).

Every phase of a run is timed from the client's side (kernel start, ``wait_for_ready``, the
first ``kernel_info``, each cell, shutdown) and each cell also from the kernel's side (the
dates the kernel wrote on its busy and idle status messages). A *stall* is a phase or cell whose
wall time reaches half the timeout while the kernel was busy for less than a tenth of it: a
message waited for that was not coming, not a slow notebook.

Runs alternate between the clients named by ``--clients``: ``plain`` is nbclient's
``NotebookClient`` as it ships, ``course`` the project's ``course.execution.NotebookClient``
(short polls, lost messages recovered), so both are measured in the same conditions. A recovered
lost message costs ``lost_message_grace`` (5 s), under the stall threshold at the default timeout.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _kernel_busy_seconds(cell) -> float | None:
    """Seconds between the kernel's busy and idle status for a cell (its own clock)."""
    timing = cell.get("metadata", {}).get("execution", {})
    busy, idle = timing.get("iopub.status.busy"), timing.get("iopub.status.idle")
    if not (busy and idle):
        return None
    return (datetime.fromisoformat(idle.replace("Z", "+00:00"))
            - datetime.fromisoformat(busy.replace("Z", "+00:00"))).total_seconds()


def _timed_client(nb, timeout, path, client, transport):
    """A notebook client with every phase of the run timed (client side): nbclient's own
    (``client="plain"``) or the project's (``"course"``)."""
    if client == "course":
        from course.execution import NotebookClient
    else:
        from nbclient import NotebookClient

    class TimedClient(NotebookClient):
        def create_kernel_manager(self):
            manager = super().create_kernel_manager()
            if transport == "ipc":  # sockets are files named <ip>-<port>
                manager.transport, manager.ip = "ipc", str(Path(tempfile.mkdtemp()) / "kernel")
            return manager

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.phases: dict[str, float] = {}
            self.cell_walls: dict[int, float] = {}
            self.diagnosis: list[dict] = []

        async def _timed(self, name, coroutine):
            start = time.perf_counter()
            try:
                return await coroutine
            finally:
                self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - start

        async def async_start_new_kernel(self, **kwargs):
            return await self._timed("start_kernel", super().async_start_new_kernel(**kwargs))

        async def async_start_new_kernel_client(self):
            return await self._timed("wait_for_ready", super().async_start_new_kernel_client())

        async def async_wait_for_reply(self, msg_id, cell=None):
            return await self._timed("kernel_info", super().async_wait_for_reply(msg_id, cell))

        async def _async_handle_timeout(self, timeout, cell=None):
            # What had arrived when the limit struck, and what sits unread in the client's sockets.
            import zmq
            seen = sorted((cell or {}).get("metadata", {}).get("execution", {}))
            unread = {name: bool(getattr(self.kc, f"{name}_channel").socket.get(zmq.EVENTS) & zmq.POLLIN)
                      for name in ("shell", "iopub")}
            self.diagnosis.append({"cell": self.nb.cells.index(cell) if cell is not None else None,
                                   "seen": seen, "unread": unread})
            return await super()._async_handle_timeout(timeout, cell)

        async def _async_cleanup_kernel(self):
            return await self._timed("shutdown", super()._async_cleanup_kernel())

        async def async_execute_cell(self, cell, cell_index, **kwargs):
            start = time.perf_counter()
            try:
                return await super().async_execute_cell(cell, cell_index, **kwargs)
            finally:
                self.cell_walls[cell_index] = time.perf_counter() - start

    return TimedClient(nb, timeout=timeout, kernel_name="python3", interrupt_on_timeout=True,
                       resources={"metadata": {"path": str(path.parent)}})


def run_once(path: str, timeout: float, client: str, transport: str) -> dict:
    """Execute one notebook; its phases, its slowest cell and whether it stalled."""
    import nbformat

    path = Path(path)
    start = time.perf_counter()
    error = None
    nb = nbformat.read(path, as_version=4)
    timed = _timed_client(nb, timeout, path, client, transport)
    try:
        timed.execute()
    except Exception as exc:  # recorded, not raised: the benchmark counts outcomes
        error = f"{type(exc).__name__}: {str(exc)[:200]}"
    phases, diagnosis = timed.phases, timed.diagnosis
    recovered = len(getattr(timed, "recovered", []))
    cells = [(i, wall, _kernel_busy_seconds(nb.cells[i])) for i, wall in timed.cell_walls.items()]
    wall = time.perf_counter() - start
    slowest = max(cells, key=lambda c: c[1], default=(None, 0.0, None))
    stalled = [f"cell {i}" for i, w, busy in cells
               if w >= timeout / 2 and (busy is None or busy < timeout / 10)]
    stalled += [name for name, seconds in phases.items() if seconds >= timeout / 2]
    return {"chapter": path.parent.name, "client": client, "wall": wall, "phases": phases, "stalled": stalled,
            "slowest_cell": slowest, "recovered": recovered, "error": error, "diagnosis": diagnosis, "pid": os.getpid()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=336)
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--grading", action="store_true", help="run as nbgrader does (no figures, no widgets)")
    parser.add_argument("--clients", default="plain,course",
                        help="comma-separated; runs alternate between them (plain: nbclient as it ships, "
                             "course: course.execution.NotebookClient)")
    parser.add_argument("--transport", choices=["tcp", "ipc"], default="tcp")
    parser.add_argument("--log", type=Path, help="write every run's record here (JSON lines)")
    parser.add_argument("--summarize", type=Path, metavar="LOG", help="only summarize an earlier run's log")
    args = parser.parse_args()
    if args.summarize:
        summarize([json.loads(line) for line in args.summarize.read_text().splitlines()], args.timeout)
        return
    if args.grading:
        os.environ["NBGRADER_EXECUTION"] = "autograde"  # inherited by workers and kernels
    from course.notebooks import chapters

    notebooks = [str(c.source) for c in chapters(ROOT)]
    clients = args.clients.split(",")
    # Every notebook with every client in turn, so that all see the same machine state.
    jobs = [(notebooks[(i // len(clients)) % len(notebooks)], clients[i % len(clients)]) for i in range(args.runs)]
    records = []
    log = args.log.open("w") if args.log else None
    started = time.perf_counter()
    with ProcessPoolExecutor(args.concurrency) as pool:
        futures = [pool.submit(run_once, nb, args.timeout, client, args.transport) for nb, client in jobs]
        for done, future in enumerate(as_completed(futures), 1):
            record = future.result()
            records.append(record)
            if log:  # as they come, so that an interrupted run still leaves its records
                log.write(json.dumps(record) + "\n")
                log.flush()
            if record["stalled"] or record["error"]:
                print(f"[{done}/{len(jobs)}] {record['client']} {record['chapter']} {record['wall']:.1f} s "
                      f"stalled={record['stalled']} error={record['error']} phases="
                      f"{ {k: round(v, 2) for k, v in record['phases'].items()} } "
                      f"slowest={record['slowest_cell']} diagnosis={record['diagnosis']}", flush=True)
    elapsed = time.perf_counter() - started
    mode = "grading" if args.grading else "student"
    print(f"\n{len(records)} runs, {args.concurrency} at a time, timeout {args.timeout:g} s, {mode} mode, "
          f"{args.transport}; {elapsed:.0f} s in all")
    summarize(records, args.timeout)


def summarize(records: list[dict], timeout: float) -> None:
    """Per client: runs, stalls (and where), recoveries, errors, median run time."""
    for client in dict.fromkeys(r["client"] for r in records):
        mine = [r for r in records if r["client"] == client]
        stalls = [r for r in mine if r["stalled"]]
        where = collections.Counter(f"{r['chapter']} {s}" for r in stalls for s in r["stalled"])
        print(f"  {client}: {len(mine)} runs, {len(stalls)} stalled ({100 * len(stalls) / len(mine):.1f} %), "
              f"{sum(r['recovered'] for r in mine)} recoveries, {sum(1 for r in mine if r['error'])} errors "
              f"(cells over the {timeout:g} s limit), median run {statistics.median(r['wall'] for r in mine):.1f} s; "
              f"stalls at {dict(where)}")

if __name__ == "__main__":
    main()
