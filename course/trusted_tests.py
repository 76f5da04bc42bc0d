"""Test cells run in the grader's process, the student's code in the student's kernel.

A kernel shares its process with the student's code, so a check that runs there can be
switched off from there: a function the test calls can rebind the test cell's names, rewrite
the guard's snapshot through frames, empty the later cells through the shell's hooks, or read
the expected values out of a check's frame (``tests/fixtures/cheating.py`` keeps such
attacks). :class:`TrustedTests` therefore runs every autograder test cell (nbgrader's grade
cells that are not solution cells, whose source ``OverwriteCells`` has just put back from the
gradebook) in the process running nbgrader, with a real NumPy and the real checks; the names
the cell takes from the notebook (the functions and classes under test) are
:class:`utils.remote.Remote` handles on the objects in the kernel, reached through
``utils.remote.serve`` running there. What the kernel sends back is data (numbers, arrays,
strings, handles), never code, so the student's code can only compute answers: right ones
pass, wrong ones fail, and the hidden tests' source and expected values never enter its
process.

The cell's outputs are what the student would have seen: what the test printed, what the
student's code printed or warned in the kernel while the test called it, and, when the test
failed, an error output with the test cell's lines (the checks' own frames hidden) and, for an
error raised in the student's code, that code's traceback. nbgrader then scores the cell as
always (an error or a line on stderr scores zero).
"""
from __future__ import annotations

import asyncio
import builtins
import contextlib
import io
import itertools
import json
import linecache
import os
import secrets
import select
import shutil
import socket
import sys
import tempfile
import time
import traceback
import types
import warnings
from queue import Empty

import numpy as np
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import output_from_msg
from traitlets import Bool

from utils.checks import _visible_frames
from utils.remote import PROTOCOL, Peer, ProtocolError, receive_frame, send_frame, shortened, unix_address

from .nbgrader_execute import Execute
from .notebooks import is_test_cell

SERVE = "__import__('utils.remote', fromlist=['serve']).serve({path!r})"
POLL_S = 0.05  # how often the grader looks at the kernel while it waits for an answer
# After an interrupt, how long the kernel gets to answer before it is taken for dead.
INTERRUPT_GRACE_S = 10.0
_cell_numbers = itertools.count(1)


class NotebookTimeout(TimeoutError):
    """The student's code the test called ran past the cell's time limit."""


# Attributes of the grader's objects the kernel may not touch: private and special names (a
# function's __globals__, a method's __self__) and what leads to frames (a generator's gi_frame).
_CLOSED_PREFIXES = ("_", "gi_", "cr_", "ag_", "tb_", "f_")
# Largest message the kernel may send (characters of JSON), and most bytes of arrays in all.
MAX_MESSAGE = 256 * 2**20
MAX_ARRAY_BYTES = 512 * 2**20
# What the kernel may ask of an object the grader handed it, and what it never gets a handle on.
_KERNEL_OPERATIONS = ("getattr", "setattr", "delattr", "call", "iter", "next", "len", "getitem", "setitem",
                      "bool", "repr")
_NOT_HANDED_OUT = (types.BuiltinFunctionType, types.ModuleType, type, types.MethodWrapperType,
                   types.WrapperDescriptorType, types.MethodDescriptorType, types.CodeType, types.FrameType)
# Characters of output the kernel may add to one test cell; what comes after is cut.
MAX_KERNEL_OUTPUT = 2**20
# What the kernel may add to a test cell's outputs. Never an execute_result or an error:
# nbgrader scores a test cell by its first execute_result (its text is the grade) or error.
KERNEL_OUTPUTS = ("stream", "display_data")


class GraderPeer(Peer):
    """The grader's side. The kernel may use only the objects the grader handed it as handles
    (a test's callbacks and own objects, and what they give back): call them, read and write
    their public attributes (never private or special names, nor what leads to frames, and
    never write a function's, class's or module's), iterate and index them. It gets no handle
    on a built-in function or method, a module or a class (``ndarray.tofile`` would write any
    file); arrays, lists and dicts it has its own copies of. An exception of the grader's own
    is never answered."""

    answered_errors = Exception

    def __init__(self, exchange):
        super().__init__("g", exchange, limit_bytes=MAX_ARRAY_BYTES)

    def allow(self, op: str, args: list) -> None:
        try:
            self._check(op, args)
        except Exception as refusal:
            refusal.refused = True  # the grader's own words: the kernel may read them
            raise

    def _check(self, op: str, args: list) -> None:
        if op == "isinstance":  # an object of either side against a class: nothing runs here
            return
        if op not in _KERNEL_OPERATIONS or not args or not self.exported(args[0]):
            raise PermissionError(f"the kernel may not {op} that object of the grader's")
        if op in ("getattr", "setattr", "delattr"):
            name = args[1] if len(args) > 1 else None
            if not isinstance(name, str) or name.startswith(_CLOSED_PREFIXES):
                raise AttributeError(f"the grader's objects do not show {name!r}")
            if op != "getattr" and (isinstance(args[0], _NOT_HANDED_OUT + (types.FunctionType, types.MethodType))
                                    or hasattr(type(args[0]), name)):
                raise AttributeError("the grader's functions, classes and methods cannot be changed")

    def answer(self, incoming: dict) -> dict:
        self._answering = True
        try:
            return super().answer(incoming)
        finally:
            self._answering = False

    def encode(self, value, _open: frozenset = frozenset()):
        if getattr(self, "_answering", False) and isinstance(value, _NOT_HANDED_OUT):
            raise PermissionError(f"the grader does not hand the kernel a {type(value).__name__}")
        return super().encode(value, _open)

    def encode_error(self, error: BaseException) -> dict:
        """A refusal with its reason; any other error of the grader's (a test's callback failing)
        by its type alone: its message and traceback may hold the hidden test's lines or
        expected values."""
        answer = super().encode_error(error)
        if getattr(error, "refused", False):
            return {**answer, "traceback": ""}
        return {"type": answer["type"], "base": answer["base"], "message": "raised in the grader", "traceback": ""}


class KernelSession:
    """One test cell's conversation with ``utils.remote.serve`` in the kernel of ``client``
    (an nbclient ``NotebookClient``): started by the first request, ended by :meth:`close`.

    The messages travel through a Unix socket in the kernel's private runtime folder (which the
    sandbox lets it see; a fresh folder for a kernel without a sandbox), one frame each
    (``utils.remote.FRAME_HEADER``), not through Jupyter's stdin channel, whose every round
    trip took 0.75 ms (ipykernel flushes its streams and signs each message).
    ``outputs`` receives what the kernel publishes meanwhile (stream, display outputs);
    ``seconds`` is the cell's time limit, after which the kernel is interrupted."""

    def __init__(self, client, outputs: CellOutputs, seconds: float):
        self.client = client
        self.outputs = outputs
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.msg_id: str | None = None
        self.reply: dict | None = None  # the kernel's execute_reply: the conversation is over
        self.idle = False
        self.interrupted_at: float | None = None
        self.watched_at = time.monotonic()
        self.output_left = MAX_KERNEL_OUTPUT  # characters of output the kernel may still add
        self.cut: set[str] = set()  # the streams whose output was cut
        self.folder: str | None = None
        self.connection: socket.socket | None = None
        self.peer = GraderPeer(self._exchange)

    def _exchange(self, message: dict) -> dict:
        if self.connection is None:
            self._start()
        send_frame(self.connection, message)
        return self._next_message()

    def _start(self) -> None:
        runtime = getattr(self.client.km, "_runtime", None)
        self.folder = str(runtime) if runtime else tempfile.mkdtemp(prefix="grader-")
        path = os.path.join(self.folder, f"grader-{secrets.token_hex(8)}.sock")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            with unix_address(path) as address:
                listener.bind(address)
            os.chmod(path, 0o777)  # the kernel's own user connects
            listener.listen(1)
            self.msg_id = self.client.kc.execute(SERVE.format(path=path), store_history=False)
            self.client._request = None  # our own loop watches this request (course.execution)
            self._wait_for(listener)
            self.connection, _ = listener.accept()
        os.unlink(path)
        if self._next_message().get("hello") != PROTOCOL:
            raise ProtocolError("the kernel did not start the grader's conversation")

    def _next_message(self) -> dict:
        """The kernel's next message, read within the cell's time limit."""
        self._wait_for(self.connection)
        if self.interrupted_at is not None:
            raise NotebookTimeout(f"the test ran longer than {self.seconds:g} s, and the notebook's code "
                                  "it called was interrupted")
        try:
            return receive_frame(self.connection, MAX_MESSAGE, max(self.deadline, time.monotonic() + 1.0))
        except (OSError, EOFError, ValueError) as error:  # a cut, truncated or malformed frame
            if run_sync(self._died)():
                raise DeadKernelError("the kernel died while the test called the notebook's code") from error
            raise ProtocolError(f"the kernel's message could not be read: {error}") from error

    async def _died(self, seconds: float = 2.0) -> bool:
        """Whether the kernel is dead, or dies within ``seconds`` (a cut connection's usual cause)."""
        until = time.monotonic() + seconds
        while await self.client.km.is_alive():
            if time.monotonic() > until:
                return False
            await asyncio.sleep(POLL_S)
        return True

    def _wait_for(self, sock: socket.socket) -> None:
        """Return once ``sock`` has something to read; meanwhile, and at least every ``POLL_S``
        however fast the kernel sends, watch the kernel (its outputs, the end of its request,
        its death) and the time limit."""
        while True:
            if time.monotonic() - self.watched_at >= POLL_S:
                run_sync(self._watch)()
                self.watched_at = time.monotonic()
            if select.select([sock], [], [], POLL_S)[0]:
                return

    async def _watch(self) -> None:
        await self._drain_iopub()
        reply = await self._reply()
        if reply is not None:
            content = reply["content"]
            raise ProtocolError("the notebook's kernel stopped answering the grader: "
                                + (f"{content.get('ename')}: {content.get('evalue')}"
                                   if content.get("status") == "error" else "its code ended the conversation"))
        if await self._died(0):
            raise DeadKernelError("the kernel died while the test called the notebook's code")
        now = time.monotonic()
        if self.interrupted_at is None and now > self.deadline:
            await self.client.km.interrupt_kernel()
            self.interrupted_at = now
        elif self.interrupted_at is not None and now - self.interrupted_at > INTERRUPT_GRACE_S:
            raise DeadKernelError("the kernel did not stop when interrupted")

    async def _drain_iopub(self) -> None:
        while True:
            try:
                msg = await self.client.kc.iopub_channel.get_msg(timeout=0)
            except Empty:
                return
            if msg["parent_header"].get("msg_id") != self.msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                self.idle = True
            elif msg["msg_type"] in KERNEL_OUTPUTS:
                output = output_from_msg(msg)
                if output.output_type == "display_data" or output.get("name") in ("stdout", "stderr"):
                    self._keep(output)

    def _keep(self, output: NotebookNode) -> None:
        """Add the kernel's ``output`` to the cell while it has written under
        ``MAX_KERNEL_OUTPUT`` characters; then say once per stream that the rest was cut (on
        stderr too, if stderr was cut: a cut never hides a line that costs the cell its points)."""
        size = len(output.text) if output.output_type == "stream" else len(json.dumps(output.get("data", {})))
        if size <= self.output_left:
            self.output_left -= size
            self.outputs.add(output)
            return
        self.output_left = 0
        name = output.get("name", "stdout")
        if name not in self.cut:
            self.cut.add(name)
            self.outputs.add(NotebookNode(output_type="stream", name=name, text=(
                f"\n[the notebook's output during this test was cut at {MAX_KERNEL_OUTPUT} characters]\n")))

    async def _reply(self) -> dict | None:
        """The kernel's reply to the conversation's request (then it is over), once it came."""
        if self.reply is None:
            try:
                msg = await self.client.kc.shell_channel.get_msg(timeout=0)
            except Empty:
                return None
            if msg["parent_header"].get("msg_id") == self.msg_id:
                self.reply = msg
        return self.reply

    def close(self) -> None:
        """End the conversation (unless the kernel already did) and collect its last outputs."""
        if self.connection is not None:
            with contextlib.suppress(OSError):
                send_frame(self.connection, {"end": True, "sync": []})
            self.connection.close()
        if self.msg_id is not None:
            run_sync(self._await_end)()
        if self.folder and not getattr(self.client.km, "_runtime", None):
            shutil.rmtree(self.folder, ignore_errors=True)

    async def _await_end(self) -> None:
        """Collect the request's outputs until the kernel is idle (its reply is not needed: nbclient
        passes over a reply to a request not its own)."""
        deadline = time.monotonic() + INTERRUPT_GRACE_S
        while not self.idle and time.monotonic() < deadline:
            await self._drain_iopub()
            if not self.idle:
                await asyncio.sleep(POLL_S / 5)


class TestNamespace(dict):
    """The globals of a test cell run by the grader: NumPy, the built-ins, and every other name
    looked up in the notebook's kernel (a :class:`utils.remote.Remote` handle, or a value).

    Assigning a name that came from the notebook assigns it in the notebook too (a test may
    swap a helper the student's function calls for one of its own, and put it back)."""

    def __init__(self, peer: Peer):
        super().__init__(np=np, __name__="__main__", __builtins__=builtins)
        self._peer = peer
        self._from_notebook: set[str] = set()

    def __missing__(self, name: str):
        if name.startswith("__") or name in builtins.__dict__:
            raise KeyError(name)
        value = self._peer.request("global", name)  # KeyError when the notebook has no such name
        self._from_notebook.add(name)
        dict.__setitem__(self, name, value)
        return value

    def __setitem__(self, name: str, value) -> None:
        if name in self._from_notebook:
            self._peer.request("setglobal", name, value)
        dict.__setitem__(self, name, value)


class _StreamWriter(io.TextIOBase):
    """A text stream whose writes become the cell's stream outputs (stdout or stderr)."""

    def __init__(self, outputs: CellOutputs, name: str):
        self._outputs, self._name = outputs, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self._outputs.add(NotebookNode(output_type="stream", name=self._name, text=text))
        return len(text)


class CellOutputs:
    """A test cell's outputs as they come, consecutive text on one stream joined (as Jupyter
    shows it), in time linear in the text however many pieces it comes in."""

    def __init__(self):
        self._items: list = []  # outputs, and [stream name, pieces of text] for streams

    def add(self, output: NotebookNode) -> None:
        if output.output_type != "stream":
            self._items.append(output)
        elif self._items and isinstance(self._items[-1], list) and self._items[-1][0] == output.name:
            self._items[-1][1].append(output.text)
        else:
            self._items.append([output.name, [output.text]])

    def notebook_outputs(self) -> list[NotebookNode]:
        return [NotebookNode(output_type="stream", name=item[0], text="".join(item[1])) if isinstance(item, list)
                else item for item in self._items]


def run_test_cell(client, cell, timeout: float) -> None:
    """Run the test ``cell`` in this process against the kernel of ``client``; set its outputs."""
    outputs = CellOutputs()
    session = KernelSession(client, outputs, timeout)
    filename = f"<test cell {next(_cell_numbers)}: {cell.metadata.nbgrader.get('grade_id', '')}>"
    linecache.cache[filename] = (len(cell.source), None, cell.source.splitlines(True), filename)
    try:
        with contextlib.redirect_stdout(_StreamWriter(outputs, "stdout")), \
                contextlib.redirect_stderr(_StreamWriter(outputs, "stderr")), \
                warnings.catch_warnings():
            _kernel_warning_filters()
            try:
                exec(compile(cell.source, filename, "exec"), TestNamespace(session.peer))  # noqa: S102 - the course's own test
            finally:
                session.close()
    except DeadKernelError:
        raise
    except Exception as error:  # noqa: BLE001 - every failure of a test is the cell's error
        outputs.add(_error_output(error))
    finally:
        linecache.cache.pop(filename, None)
    # What went to stderr first: nbgrader scores a test cell zero for a line on stderr, and its
    # LimitOutput, which runs after, keeps only the first 1000 lines of a cell's streams.
    kept = outputs.notebook_outputs()
    cell.outputs = sorted(kept, key=lambda output: output.get("name") != "stderr")


def _bounded(output: NotebookNode) -> NotebookNode:
    """``output`` of a cell the kernel ran, an error's message and traceback lines cut to
    ``utils.remote.MAX_TEXT`` characters (a student's 50 MB error message, shown in every cell
    that calls the function, would make a graded notebook of hundreds of MB; nbgrader's
    LimitOutput bounds streams by lines, and the report flags huge printed output)."""
    if output.output_type == "error":
        output.evalue = shortened(output.evalue)
        output.traceback = [shortened(line) for line in output.traceback[:200]]
    return output


def _kernel_warning_filters() -> None:
    """The warning filters a kernel starts with: Python's defaults, and IPython's showing a
    ``DeprecationWarning`` raised by the notebook's own code; shown on (this cell's) stderr,
    whatever the process running the grader does with its warnings."""
    warnings.showwarning = _show_warning
    warnings.resetwarnings()
    for category in (ImportWarning, ResourceWarning, PendingDeprecationWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line or ""))


def _error_output(error: BaseException) -> NotebookNode:
    """An error output as IPython would show it: the test's lines, no frames of the checks."""
    tb = _visible_frames(error.__traceback__)
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith("<test cell"):
        tb = tb.tb_next
    lines = traceback.format_exception(type(error), error, tb)
    return NotebookNode(output_type="error", ename=type(error).__name__, evalue=str(error),
                        traceback=[line.rstrip("\n") for line in lines])


class TrustedTests(Execute):
    """nbgrader's ``Execute`` that runs autograder test cells in this process (see the module)."""

    trusted_tests = Bool(True, help=("Run test cells in this process (False: in the kernel, as nbgrader "
                                     "does, which the student's code can subvert; for comparisons only)")
                         ).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if not (self.trusted_tests and is_test_cell(cell) and cell.source.strip()):
            cell, resources = super().preprocess_cell(cell, resources, index)
            if cell.cell_type == "code":
                cell.outputs = [_bounded(output) for output in cell.outputs]
            return cell, resources
        with self._phase("cells"):
            run_test_cell(self, cell, self.timeout or 30)
        return cell, resources
