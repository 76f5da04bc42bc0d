"""Notebook execution that never hangs on a lost kernel message.

Why: a reply the kernel has sent can sit unread in the client's ZeroMQ socket. pyzmq's asyncio
sockets learn of new messages through ZeroMQ's edge-triggered file descriptor; when that edge
is missed, ``await socket.poll(timeout)`` sleeps until its timeout, and only the synchronous
``zmq_poll`` pyzmq runs when the timeout fires finds the message. nbclient waits for a cell's
``execute_reply`` with one poll as long as the cell's time limit, and for IOPub output with no
limit at all, so one missed edge costs a whole time limit (measured by
``benchmarks/kernel_stalls.py``; see benchmarks/RESULTS.md).

What this module does about it, for every client that runs the course's notebooks
(``course.notebooks.execute``, and ``course.nbgrader_execute.Execute`` for autograde and the
solutions):

1. *Short polls.* Every wait on the shell and IOPub channels is cut into polls of at most
   ``POLL_SLICE_S``; each new poll asks ZeroMQ directly, so a missed edge costs at most that.
2. *Lost messages recovered.* When a cell's reply has not come ``lost_message_grace`` seconds
   after its request, the client also sends the kernel a ``kernel_info_request`` (harmless: a
   cell still running answers first). The kernel answers shell requests in order, so if that
   answer comes back first, the cell's reply is lost, whatever lost it:
   - if the kernel announced the cell's code (``execute_input``), the cell ran: its reply is
     rebuilt from the IOPub messages already received (an ``error`` output makes it an error
     reply, as the kernel's would have been);
   - otherwise the request never ran, and the cell is run once more.
   Each recovery is listed in ``recovered``, which ``course grade`` turns into a note in the
   report (and logged with ``RECOVERED_TAG``, for those who run nbgrader's own commands).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from queue import Empty

from jupyter_core.utils import run_sync
from nbclient import NotebookClient as _NbclientClient
from traitlets import Float, List
from traitlets.config import LoggingConfigurable

POLL_SLICE_S = 0.5
RECOVERED_TAG = "[course] recovered a lost kernel message"


@dataclass
class _Request:
    """The execute request a cell is waiting on, and what IOPub has said about it."""

    msg_id: str
    sent: float
    seen: set[str] = field(default_factory=set)  # "busy", "execute_input", "idle"
    error: dict | None = None  # the content of its last error output
    nudge_id: str | None = None  # our kernel_info request, asked when it went quiet
    nudge_answered_at: float | None = None
    rerun: bool = False  # the kernel dropped it unexecuted: run the cell again


class LostMessageRecovery(LoggingConfigurable):
    """Mixin for nbclient ``NotebookClient`` subclasses (see the module docstring).

    ``recovered`` lists, per recovery, ``{"cell": index, "action": "rebuilt reply" or
    "ran again", "seconds": time from sending the request to the recovery}``."""

    lost_message_grace = Float(5.0, help=(
        "Seconds after sending a cell's request before the client also asks the kernel for its "
        "kernel_info, to learn whether the cell's reply was lost (a cell still running answers "
        "first, so asking is harmless); and how long it then waits for the cell's last output.")).tag(config=True)
    recovered = List()

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        self._request: _Request | None = None
        self._idle_to_deliver: list[dict] = []
        self._slice_channel(client.shell_channel, self._on_shell_message, self._on_quiet_shell)
        self._slice_channel(client.iopub_channel, self._on_iopub_message, self._on_quiet_iopub)
        send_execute = client.execute

        def execute(code, *args, **kwargs):
            msg_id = send_execute(code, *args, **kwargs)
            self._request = _Request(msg_id, time.monotonic())
            return msg_id

        client.execute = execute
        return client

    @staticmethod
    def _slice_channel(channel, on_message, on_quiet) -> None:
        """Make ``channel.get_msg`` poll in slices of at most ``POLL_SLICE_S``. ``on_message``
        sees each message (and may swallow it by returning None); ``on_quiet``, called when a
        slice is empty, may supply a message instead."""
        get_msg = channel.get_msg

        async def sliced_get_msg(timeout: float | None = None):
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                left = POLL_SLICE_S if deadline is None else min(POLL_SLICE_S, deadline - time.monotonic())
                try:
                    msg = on_message(await get_msg(timeout=max(left, 0.0)))
                except Empty:
                    msg = on_quiet()
                    if msg is None and deadline is not None and time.monotonic() >= deadline:
                        raise
                if msg is not None:
                    return msg

        channel.get_msg = sliced_get_msg

    def _on_shell_message(self, msg: dict) -> dict | None:
        request = self._request
        if request and request.nudge_id and msg["parent_header"].get("msg_id") == request.nudge_id:
            request.nudge_answered_at = time.monotonic()
            return None  # the answer to our own question: nbclient never asked it
        return msg

    def _on_iopub_message(self, msg: dict) -> dict:
        request = self._request
        if request and msg["parent_header"].get("msg_id") == request.msg_id:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status":
                request.seen.add(content["execution_state"])
            elif kind == "execute_input":
                request.seen.add("execute_input")
            elif kind == "error":
                request.error = content
        return msg

    def _on_quiet_iopub(self) -> dict | None:
        return self._idle_to_deliver.pop() if self._idle_to_deliver else None

    def _on_quiet_shell(self) -> dict | None:
        """Called when a poll of the shell channel found nothing: a rebuilt reply, or None."""
        request = self._request
        if request is None or request.rerun:
            return None
        now = time.monotonic()
        if request.nudge_id is None:
            if now - request.sent >= self.lost_message_grace:
                # Harmless if the cell is still running: the kernel answers after the cell's
                # own reply, and the answer is swallowed.
                request.nudge_id = self.kc.kernel_info()
            return None
        if request.nudge_answered_at is None:
            return None  # the kernel has not reached our question yet
        if "idle" not in request.seen and now - request.nudge_answered_at < self.lost_message_grace:
            return None  # the kernel is done with the cell; give its last output time to arrive
        # The kernel answered a later request first: this one's reply is not coming.
        ran = "execute_input" in request.seen
        if "idle" not in request.seen:  # release nbclient's wait for the idle status
            self._idle_to_deliver.append({
                "msg_type": "status", "header": {"msg_type": "status"}, "metadata": {},
                "parent_header": {"msg_id": request.msg_id}, "content": {"execution_state": "idle"}})
        request.rerun = not ran
        self._record("rebuilt reply" if ran else "ran again", now - request.sent)
        content = {"status": "ok"}
        if ran and request.error:
            content = {"status": "error", **{k: request.error.get(k) for k in ("ename", "evalue", "traceback")}}
        return {"msg_type": "execute_reply", "header": {"msg_type": "execute_reply"}, "metadata": {},
                "parent_header": {"msg_id": request.msg_id}, "content": content}

    def _record(self, action: str, seconds: float) -> None:
        self.recovered.append({"cell": self._cell_index, "action": action, "seconds": round(seconds, 2)})
        self.log.warning("%s: cell %s, %s after %.1f s", RECOVERED_TAG, self._cell_index, action, seconds)

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        """Execute a cell; once more if the kernel dropped its request unexecuted."""
        self._cell_index = cell_index
        try:
            done = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
            if self._request is not None and self._request.rerun:
                self.code_cells_executed -= 1  # the same cell, not one more
                done = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
            return done
        finally:
            self._request = None

    # nbclient binds its synchronous entry points (which nbgrader's Execute calls) to its own
    # coroutines when the class is made: bind them to these.
    start_new_kernel_client = run_sync(async_start_new_kernel_client)
    execute_cell = run_sync(async_execute_cell)


class NotebookClient(LostMessageRecovery, _NbclientClient):
    """nbclient's client with lost kernel messages recovered (``course.notebooks.execute``)."""
