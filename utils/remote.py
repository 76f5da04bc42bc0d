"""Calls between the grader and a student's kernel that carry data, never code.

While a notebook is graded, its test cells run in the grader's own process
(``course/trusted_tests.py``), not in the student's kernel: what the student's code does in its
process (rebinding the checks, walking frames, rewriting the guard) cannot reach the checks or
the expected values, which never enter that process. The student's functions and classes stay
in the kernel, and a test cell reaches them through :class:`Remote` handles. Two
:class:`Peer` objects, one on each side, exchange JSON messages in turns, each a request or an
answer:

- plain values cross by value: ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``,
  ``bytes``, NumPy scalars (their type kept: ``np.float64`` stays ``np.float64``), and tuples,
  sets and slices of them, rebuilt as new objects on the other side;
- NumPy arrays of numbers, lists and dicts cross *linked*: each side holds its own object, the
  pair stays one object for identity (the same array sent twice arrives as the same object, an
  array sent back is the sender's own) and for contents (a change made on either side, in place,
  is copied to the other before the next message: an array's values, what a list or dict
  holds), so ``check_unchanged``, in-place updates (an optimiser's ``p -= lr * g``) and a dict a
  function keeps and changes after returning it mean what they mean in one process;
- ``np.random.Generator``\\ s cross linked too (their state follows the same rule), so a student
  can call ``np.random.default_rng(rng)`` on one;
- everything else (functions, classes, their instances, generators, bound methods) stays where
  it was made; the other side gets a :class:`Remote` handle whose calls, attribute reads and
  writes, iteration and ``isinstance`` checks run on the owner's side. So a test's own
  callback (``gradient_descent(lambda t: A @ t - c, …)``) runs in the grader's process. In the
  kernel, a handle on a grader's object whose class derives from the course's library (a test's
  own ``utils.nn.Module``) passes the student's ``isinstance(layer, Module)``.

Each message also names the links its side no longer holds (only its tables reach them); a link
both sides let go is forgotten, so a test making thousands of calls compares a few objects per
message, not every object it ever sent. Warnings raised while a request is answered travel
with the answer and are raised again on the asking side, under its filters (a test's
``catch_warnings(record=True)`` or ``simplefilter("error")`` sees the student's warnings).
:func:`peak_memory` measures a call's memory where the function runs.

Errors cross as data: the nearest built-in exception type, the message, the owner's traceback
as text. What arrives from the kernel is parsed as JSON and checked (array dtypes are numbers
or booleans, sizes match, ids are known): no ``pickle``, and no object of the kernel's ever runs
code in the grader's process.
"""
from __future__ import annotations

import base64
import builtins
import contextlib
import functools
import importlib
import itertools
import json
import os
import socket
import struct
import sys
import time
import traceback
import tracemalloc
import warnings

import numpy as np

PROTOCOL = "course-remote/1"
# Array dtypes that cross: booleans and numbers (not objects, strings or records).
ARRAY_KINDS = "biufc"
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
MAX_WARNINGS = 50  # warnings one answer carries
MAX_TEXT = 20_000  # characters kept of an error's or warning's message and of a traceback
_TRACEBACK_LINES = 40


class ProtocolError(RuntimeError):
    """A message broke the protocol (malformed, unknown id, wrong array size)."""


class RemoteTraceback(Exception):
    """The traceback of an error raised on the other side, as text (set as ``__cause__``)."""

    def __str__(self) -> str:
        return self.args[0]


class Remote:
    """A handle on an object of the other side: every use is a request to its owner.

    Calls, attribute reads and writes (not of dunder names), item access, ``len``, iteration,
    ``bool``, ``repr`` and ``isinstance(x, handle_of_a_class)`` are forwarded; identity holds
    (one handle per object). Operators (``==``, arithmetic), ``float()``, ``hash`` and ``with``
    are not: no object under test needs them, and ``==`` stays identity."""

    __slots__ = ("_peer", "_id", "__weakref__")

    def __getattr__(self, name):
        __tracebackhide__ = True
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._peer.request("getattr", self, name)

    def __setattr__(self, name, value):
        __tracebackhide__ = True
        self._peer.request("setattr", self, name, value)

    def __delattr__(self, name):
        __tracebackhide__ = True
        self._peer.request("delattr", self, name)

    def __call__(self, *args, **kwargs):
        __tracebackhide__ = True
        return self._peer.request("call", self, args, kwargs)

    def __iter__(self):
        __tracebackhide__ = True
        return self._peer.request("iter", self)

    def __next__(self):
        __tracebackhide__ = True
        return self._peer.request("next", self)

    def __len__(self):
        __tracebackhide__ = True
        return self._peer.request("len", self)

    def __getitem__(self, key):
        __tracebackhide__ = True
        return self._peer.request("getitem", self, key)

    def __setitem__(self, key, value):
        __tracebackhide__ = True
        self._peer.request("setitem", self, key, value)

    def __bool__(self):
        __tracebackhide__ = True
        return self._peer.request("bool", self)

    def __instancecheck__(self, instance):
        __tracebackhide__ = True
        return self._peer.request("isinstance", instance, self)

    def __repr__(self):
        try:
            return self._peer.request("repr", self)
        except Exception:  # noqa: BLE001 - a description must not fail
            return "<an object of the notebook>"

    __str__ = __repr__


def _handle(cls: type, **slots) -> Remote:
    """A new handle of class ``cls`` (``Remote`` or a subclass) with its slots set, past its
    own ``__setattr__``, which forwards to the other side."""
    handle = object.__new__(cls)
    for name, value in slots.items():
        object.__setattr__(handle, name, value)
    return handle


def _is_builtin_value(value) -> bool:
    return type(value) in (type(None), bool, int, float, str)


class Peer:
    """One side of a conversation (see the module).

    ``prefix`` names this side's ids ("g" the grader, "k" the kernel); ``exchange(message)``
    sends a message (a dict) and returns the other side's next one; ``limit_bytes`` bounds the
    array data the other side may send in all (bytes of the arrays it adds to this side).
    """

    def __init__(self, prefix: str, exchange, limit_bytes: int = 1 << 30):
        self.prefix = prefix
        self._exchange = exchange
        self._limit = limit_bytes
        self._counter = itertools.count()
        self._objects: dict[str, object] = {}   # this side's objects the other side holds
        self._handle_of: dict[int, str] = {}    # id(object) -> its handle id
        self._proxies: dict[str, Remote] = {}   # the other side's objects, one handle each
        self._links: dict[str, list] = {}       # link id -> [array or generator, last synced state]
        self._link_of: dict[int, str] = {}      # id(array) -> link id
        self._received = 0                      # bytes of the arrays the other side added here
        self._released: set[str] = set()        # links this side reported it no longer holds
        self._their_released: set[str] = set()  # links the other side reported so, not sent back since

    # -- requests -----------------------------------------------------------------------

    def request(self, op: str, *args):
        """Ask the other side for ``op`` on ``args`` (see :meth:`_perform`) and return its answer,
        serving its own requests meanwhile (callbacks)."""
        __tracebackhide__ = True
        answer = self.converse({"op": op, "args": self.encode(list(args))})
        # Decoded before its warnings are raised: one may be an error (`simplefilter("error")`),
        # and the arrays the answer links must be known here all the same.
        error = self.decode_error(answer["error"], op) if "error" in answer else None
        value = self.decode(answer["value"]) if error is None else None
        for warning in answer.get("warnings", [])[:MAX_WARNINGS]:
            self.warn(warning)
        if error is not None:
            raise error
        return value

    def converse(self, message: dict) -> dict:
        """Send ``message``, serve requests until an answer (or ``{"end": …}``) comes; return it."""
        while True:
            incoming = self._receive(self._exchange(self._with_sync(message)))
            if "op" not in incoming:
                return incoming
            message = self.answer(incoming)

    def answer(self, incoming: dict) -> dict:
        """The answer to one request of the other side, with every warning it raised (which
        the requesting side raises again under its own filters: a test's
        ``catch_warnings(record=True)`` or ``simplefilter("error")`` sees them)."""
        with warnings.catch_warnings(record=True) as raised:
            # Every warning no filter of this side decides (a student's own "ignore" still does),
            # every time, not once per place.
            warnings.filterwarnings("always", append=True)
            try:
                args = self.decode(incoming["args"])
                answer = {"value": self.encode(self._perform(str(incoming["op"]), args))}
            except self.answered_errors as error:  # the other side decides what it means
                answer = {"error": self.encode_error(error)}
        return {**answer, "warnings": [_encode_warning(w) for w in raised[:MAX_WARNINGS]]}

    def warn(self, data: dict) -> None:
        """Raise again here a warning the other side raised while answering, under a file name
        of its own (``<the other side's code>``): the other side's file names are never read
        here (``linecache`` would open any file they name)."""
        if not isinstance(data, dict):
            raise ProtocolError("a warning that is not an object")
        name, message = str(data.get("type")), shortened(str(data.get("message")))
        category = getattr(builtins, str(data.get("base")), None)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            category = UserWarning
        if category.__name__ != name:
            message = f"{name}: {message}"
        lineno = data.get("lineno")
        warnings.warn_explicit(message, category, "<the other side's code>", lineno if type(lineno) is int else 0)

    # What a request's failure may be answered with (the kernel's side answers a KeyboardInterrupt
    # too: the grader's interrupt of a student's function that ran too long).
    answered_errors: type[BaseException] | tuple = BaseException

    def exported(self, obj) -> bool:
        """Whether ``obj`` is an object of this side that the other side holds a handle on."""
        handle = self._handle_of.get(id(obj))
        return handle is not None and self._objects[handle] is obj

    def allow(self, op: str, args: list) -> None:
        """Raise unless the other side may do ``op`` on ``args`` (here: anything)."""

    def _perform(self, op: str, args: list):
        if not isinstance(args, list):
            raise ProtocolError("a request's arguments are not a list")
        self.allow(op, args)
        target = args[0] if args else None
        if op == "getattr":
            return getattr(target, args[1])
        if op == "setattr":
            return setattr(target, args[1], args[2])
        if op == "delattr":
            return delattr(target, args[1])
        if op == "call":
            return target(*args[1], **args[2])
        if op == "iter":
            return iter(target)
        if op == "next":
            return next(target)
        if op == "len":
            return len(target)
        if op == "getitem":
            return target[args[1]]
        if op == "setitem":
            target[args[1]] = args[2]
            return None
        if op == "bool":
            return bool(target)
        if op == "isinstance":
            return isinstance(target, args[1])
        if op == "repr":
            return repr(target)
        if op == "peak_memory":
            return _peak_memory(target, *args[1], **args[2])
        return self.perform(op, args)

    def perform(self, op: str, args: list):
        """Operations of a subclass (the kernel's ``global``); unknown ones are an error."""
        raise ProtocolError(f"unknown operation {op!r}")

    # -- linked objects: arrays, generators, lists and dicts ----------------------------

    def _with_sync(self, message: dict) -> dict:
        """``message`` with the linked objects this side changed since the last message, and the
        links it no longer holds (``released``); a link both sides released is forgotten."""
        changed = []
        for link, entry in list(self._links.items()):
            if link in self._released:  # no code of this side reached it since the last check
                continue
            state = self._state(entry[0])
            if state != entry[1]:
                entry[1] = state
                changed.append([link, self._wire(entry[0])])
        orphans = self._orphans()
        newly = sorted(orphans - self._released)
        self._released.update(newly)
        for link in orphans & self._their_released:
            self._forget(link)
        return {**message, "sync": changed, "released": newly}

    def _orphans(self) -> set[str]:
        """The links whose object only this side's tables hold (so no code of this side can reach
        or change it), counting what lists and dicts held only by the tables hold in turn; never
        an array viewing another's memory."""
        held: dict[int, int] = {}  # id(object) -> references from orphaned lists and dicts
        orphans: set[str] = set()
        found = True
        while found:
            found = False
            for link, entry in self._links.items():
                obj = entry[0]
                # 3: the table's entry, `obj`, and the call's argument
                if link in orphans or sys.getrefcount(obj) > 3 + held.get(id(obj), 0) \
                        or getattr(obj, "base", None) is not None:
                    continue
                orphans.add(link)
                found = True
                for item in (obj.values() if type(obj) is dict else obj if type(obj) is list else ()):
                    held[id(item)] = held.get(id(item), 0) + 1
        return orphans

    def _forget(self, link: str) -> None:
        obj = self._links.pop(link)[0]
        del self._link_of[id(obj)]
        self._released.discard(link)
        self._their_released.discard(link)

    def _receive(self, message) -> dict:
        if not isinstance(message, dict):
            raise ProtocolError("a message is not a JSON object")
        for link, wire in message.get("sync", []):
            entry = self._links.get(link)
            if entry is None:
                raise ProtocolError(f"an update of an unknown object {link!r}")
            self._update(entry[0], wire)
            # Only this link is in step: another array sharing its memory changed too, and is
            # sent back with the next message.
            entry[1] = self._state(entry[0])
        self._their_released.update(str(link) for link in message.get("released", []))
        return message

    def _link(self, obj) -> tuple[str, bool]:
        """The link id of a linked object, and whether it is new."""
        link = self._link_of.get(id(obj))
        if link is not None and self._links[link][0] is obj:
            self._held_again(link)
            return link, False
        link = f"{self.prefix}{next(self._counter)}"
        self._links[link] = [obj, self._state(obj)]
        self._link_of[id(obj)] = link
        return link, True

    def _held_again(self, link: str) -> None:
        """A link sent or received again: both sides hold it now, whatever either released, and
        what a list or dict of it holds with it (reached through it without crossing again)."""
        if link not in self._released and link not in self._their_released:
            return
        self._released.discard(link)
        self._their_released.discard(link)
        obj = self._links[link][0]
        for item in (obj.values() if type(obj) is dict else obj if type(obj) is list else ()):
            inner = self._link_of.get(id(item))
            if inner is not None and self._links[inner][0] is item:
                self._held_again(inner)

    def _adopt(self, link: str, obj) -> None:
        self._received += getattr(obj, "nbytes", 0)
        if self._received > self._limit:
            raise ProtocolError(f"more than {self._limit} bytes of arrays sent")
        self._links[link] = [obj, self._state(obj)]
        self._link_of[id(obj)] = link

    def _state(self, obj):
        """What is compared to find a change: an array's bytes, a generator's state, what a list
        or dict holds (plain values, and the identity of anything else: every such object is
        in this side's tables once sent, so its id is not reused meanwhile)."""
        if type(obj) is dict:
            return [(_digest(k), _digest(v)) for k, v in obj.items()]
        if type(obj) is list:
            return [_digest(v) for v in obj]
        return _array_or_rng_state(obj)

    def _wire(self, obj) -> dict:
        """A linked object's contents as data (its items encoded: linked ones by their link)."""
        if type(obj) is dict:
            return {"v": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if type(obj) is list:
            return {"v": [self.encode(v) for v in obj]}
        return _wire_state(obj)

    def _update(self, obj, wire: dict) -> None:
        """Make the linked ``obj`` hold what the other side's copy holds now."""
        if type(obj) is dict:
            items = [(self.decode(k), self.decode(v)) for k, v in wire["v"]]
            obj.clear()
            obj.update(items)
        elif type(obj) is list:
            obj[:] = [self.decode(v) for v in wire["v"]]
        else:
            _apply_array_or_rng(obj, wire, self._limit)

    # -- values -------------------------------------------------------------------------

    def encode(self, value, _open: frozenset = frozenset()):
        """``value`` as JSON-ready data (see the module for what crosses how)."""
        if _is_builtin_value(value):
            return value
        kind = type(value)
        if kind is list or kind is dict:  # linked before its items: it may hold itself
            link, new = self._link(value)
            return {"t": kind.__name__, "link": link, **(self._wire(value) if new else {})}
        if kind in (tuple, set, frozenset):
            if id(value) in _open:
                raise ValueError("cannot send a tuple or set that contains itself")
            inner = _open | {id(value)}
            return {"t": kind.__name__, "v": [self.encode(item, inner) for item in value]}
        if kind is complex:
            return {"t": "complex", "v": [value.real, value.imag]}
        if kind is bytes:
            return {"t": "bytes", "v": base64.b64encode(value).decode()}
        if kind is slice:
            return {"t": "slice", "v": [self.encode(value.start), self.encode(value.stop), self.encode(value.step)]}
        if value is Ellipsis:
            return {"t": "ellipsis"}
        if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
            return {"t": "scalar", "dtype": value.dtype.str, "v": base64.b64encode(value.tobytes()).decode()}
        if isinstance(value, np.ndarray) and value.dtype.kind in ARRAY_KINDS and value.dtype.fields is None:
            if kind is not np.ndarray:
                value = value.view(np.ndarray)
            link, new = self._link(value)
            return {"t": "array", "link": link, **(_wire_state(value) if new else {})}
        if kind is np.random.Generator and type(value.bit_generator).__name__ in BIT_GENERATORS:
            link, new = self._link(value)
            return {"t": "rng", "link": link, **(_wire_state(value) if new else {})}
        if issubclass(kind, Remote) and object.__getattribute__(value, "_peer") is self:
            return {"t": "ref", "id": object.__getattribute__(value, "_id")}
        handle = self._handle_of.get(id(value))
        if handle is None or self._objects[handle] is not value:
            handle = f"{self.prefix}{next(self._counter)}"
            self._objects[handle] = value
            self._handle_of[id(value)] = handle
        library = [f"{c.__module__}:{c.__qualname__}" for c in type(value).__mro__ if _in_library(c)]
        return {"t": "ref", "id": handle, **({"library": library} if library else {})}

    def decode(self, data):
        """The value ``data`` stands for (the inverse of the other side's :meth:`encode`)."""
        if data is None or type(data) in (bool, int, float, str):
            return data
        if type(data) is not dict:
            raise ProtocolError(f"unexpected {type(data).__name__} in a message")
        tag = data.get("t")
        if tag in ("tuple", "set", "frozenset"):
            return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](self.decode(item) for item in data["v"])
        if tag == "complex":
            return complex(*map(float, data["v"]))
        if tag == "bytes":
            return base64.b64decode(data["v"])
        if tag == "slice":
            return slice(*(self.decode(part) for part in data["v"]))
        if tag == "ellipsis":
            return Ellipsis
        if tag == "scalar":
            dtype = _dtype(data["dtype"])
            raw = base64.b64decode(data["v"])
            if len(raw) != dtype.itemsize:
                raise ProtocolError("a scalar of the wrong size")
            return np.frombuffer(raw, dtype=dtype)[0]
        if tag in ("array", "rng", "list", "dict"):
            return self._decode_linked(data)
        if tag == "ref":
            return self._decode_ref(str(data["id"]), data)
        raise ProtocolError(f"unknown value tag {tag!r}")

    def _decode_linked(self, data: dict):
        link = str(data["link"])
        entry = self._links.get(link)
        if entry is not None:
            self._held_again(link)
            return entry[0]
        if link.startswith(self.prefix):
            raise ProtocolError(f"an unknown linked object {link!r}")
        if data["t"] in ("list", "dict"):  # adopted empty, then filled: it may hold itself
            obj = [] if data["t"] == "list" else {}
            self._adopt(link, obj)
            self._update(obj, data)
            self._links[link][1] = self._state(obj)
            return obj
        obj = _array_from(data, self._limit) if data["t"] == "array" else _new_generator(data)
        self._adopt(link, obj)
        return obj

    def _decode_ref(self, handle: str, data: dict):
        if handle.startswith(self.prefix):
            if handle not in self._objects:
                raise ProtocolError(f"an unknown object {handle!r}")
            return self._objects[handle]
        proxy = self._proxies.get(handle)
        if proxy is None:
            proxy = self._proxies[handle] = self.new_proxy(handle, data)
        return proxy

    def new_proxy(self, handle: str, data: dict) -> Remote:
        """The handle on the other side's object ``handle`` (``data``: how it was sent)."""
        return _handle(Remote, _peer=self, _id=handle)

    # -- errors -------------------------------------------------------------------------

    def encode_error(self, error: BaseException) -> dict:
        """An exception as data: its type's name, the nearest built-in type, message, traceback."""
        base = next(t for t in type(error).__mro__ if getattr(builtins, t.__name__, None) is t)
        try:
            message = str(error)
        except Exception:  # noqa: BLE001 - a student's exception may fail to print
            message = ""
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != __file__]
        text = "".join(traceback.format_list(frames)[-_TRACEBACK_LINES:])
        return {"type": type(error).__name__, "base": base.__name__, "message": message, "traceback": text}

    def decode_error(self, data: dict, op: str = "call") -> BaseException:
        """The exception to raise on this side for an error of the other side answering ``op``."""
        if not isinstance(data, dict):
            raise ProtocolError("an error that is not an object")
        name, base_name = shortened(str(data.get("type"))), str(data.get("base"))
        message = shortened(str(data.get("message", "")))
        base = getattr(builtins, base_name, None)
        # Only ordinary errors are raised as they are: never a SystemExit, KeyboardInterrupt or
        # bare BaseException, which would pass every `except Exception` up to the grader's loop,
        # nor a StopIteration but from `next` (it would end a loop of the caller's quietly).
        if not (isinstance(base, type) and issubclass(base, Exception)) or base is StopIteration and op != "next":
            base = RuntimeError
            message = f"{name}: {message}" if message else name
        elif name != base_name:
            message = f"{name}: {message}" if message else name
        try:
            error = base(message)
        except Exception:  # noqa: BLE001 - built-ins with other signatures (UnicodeDecodeError)
            error = RuntimeError(f"{name}: {message}")
        if data.get("traceback"):
            error.__cause__ = RemoteTraceback("Traceback on the other side:\n" + shortened(str(data["traceback"])))
        return error


def _dtype(text) -> np.dtype:
    try:
        dtype = np.dtype(str(text))
    except TypeError as error:
        raise ProtocolError(f"an unknown dtype {text!r}") from error
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise ProtocolError(f"arrays of dtype {dtype} do not cross")
    return dtype


def shortened(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + " … (cut)"


def _encode_warning(caught: warnings.WarningMessage) -> dict:
    base = next(t for t in caught.category.__mro__ if getattr(builtins, t.__name__, None) is t)
    return {"type": caught.category.__name__, "base": base.__name__, "message": str(caught.message),
            "lineno": caught.lineno}


def _peak_memory(func, *args, **kwargs) -> int:
    tracemalloc.start()
    try:
        func(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def peak_memory(func, *args, **kwargs) -> int:
    """Bytes at the peak of what Python allocated while ``func(*args, **kwargs)`` ran (``tracemalloc``),
    measured in the process where ``func`` runs: the student's kernel when a test cell runs in
    the grader (``func`` a :class:`Remote` handle), this process otherwise."""
    if type(func) is Remote:
        return object.__getattribute__(func, "_peer").request("peak_memory", func, args, kwargs)
    return _peak_memory(func, *args, **kwargs)


def _digest(value):
    """What a list's or dict's entry is compared by: a plain value itself (a float by its repr,
    so that nan equals nan), a tuple by its entries, anything else by its identity."""
    kind = type(value)
    if kind in (float, complex):
        return repr(value)
    if kind is tuple:
        return tuple(map(_digest, value))
    if kind in (set, frozenset):
        return (kind.__name__, frozenset(map(_digest, value)))
    if kind in (bytes, slice):
        return (kind.__name__, repr(value))
    if _is_builtin_value(value):
        return (kind.__name__, value)
    if isinstance(value, np.generic):
        return (value.dtype.str, value.tobytes())
    return id(value)


def _array_or_rng_state(obj):
    """What is compared to find a change: an array's shape and bytes, a generator's state."""
    if isinstance(obj, np.ndarray):
        return obj.shape, obj.tobytes()
    return json.dumps(obj.bit_generator.state, sort_keys=True)


def _wire_state(obj) -> dict:
    if isinstance(obj, np.ndarray):
        return {"dtype": obj.dtype.str, "shape": list(obj.shape), "writeable": bool(obj.flags.writeable),
                "data": base64.b64encode(obj.tobytes()).decode()}
    return {"state": obj.bit_generator.state}


def _array_from(wire: dict, limit: int) -> np.ndarray:
    dtype = _dtype(wire["dtype"])
    shape = tuple(int(n) for n in wire["shape"])
    if any(n < 0 for n in shape):
        raise ProtocolError("a negative array dimension")
    data = wire["data"]
    if len(data) > 2 * limit:
        raise ProtocolError("an array beyond the size limit")
    raw = base64.b64decode(data)
    if len(raw) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise ProtocolError("an array whose data does not match its shape")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    array.flags.writeable = wire.get("writeable", True) is not False  # read-only stays read-only
    return array


def _new_generator(wire: dict) -> np.random.Generator:
    state = wire["state"]
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        raise ProtocolError(f"an unknown bit generator {name!r}")
    generator = np.random.Generator(getattr(np.random, name)())
    generator.bit_generator.state = state
    return generator


def _apply_array_or_rng(obj, wire: dict, limit: int) -> None:
    """Make the linked array or generator ``obj`` hold what the other side's copy holds now (an
    array's new shape too, when its size is the same: ``a.shape = …`` in place)."""
    if isinstance(obj, np.ndarray):
        new = _array_from(wire, limit)
        if new.size != obj.size or new.dtype != obj.dtype:
            raise ProtocolError("an update that changes an array's size or dtype")
        if new.shape != obj.shape:
            obj.shape = new.shape
        if not obj.flags.writeable:
            raise ProtocolError("an update of an array that is read-only")
        obj[...] = new
        return
    state = wire.get("state")
    if not isinstance(state, dict) or state.get("bit_generator") != type(obj.bit_generator).__name__:
        raise ProtocolError("an update that changes a generator's kind")
    obj.bit_generator.state = state


# -- the kernel's side --------------------------------------------------------------------

def _in_library(cls: type) -> bool:
    """Whether ``cls`` is a class of the course's library (``utils``), which both sides import."""
    return isinstance(cls.__module__, str) and cls.__module__.split(".")[0] == __name__.split(".")[0]


class LibraryInstance(Remote):
    """The kernel's handle on a grader's object whose class derives from the course's library
    (a test's own layer, a ``utils.nn.Module``): it reports a stand-in of that class as its
    ``__class__``, so that the student's ``isinstance(layer, Module)`` holds as it would in one
    process, and forwards everything else like any handle."""

    __slots__ = ("_stand_in",)

    @property
    def __class__(self):
        return object.__getattribute__(self, "_stand_in")


class KernelPeer(Peer):
    """The kernel's side: it also reads and writes the notebook's global names."""

    def __init__(self, namespace: dict, exchange):
        super().__init__("k", exchange)
        self._namespace = namespace

    def new_proxy(self, handle: str, data: dict) -> Remote:
        classes = [_library_class(name) for name in data.get("library", [])]
        classes = [cls for cls in classes if cls is not None]
        if not classes:
            return super().new_proxy(handle, data)
        return _handle(LibraryInstance, _peer=self, _id=handle, _stand_in=_stand_in(classes[0]))

    def perform(self, op: str, args: list):
        if op == "global":
            return self._namespace[args[0]]
        if op == "setglobal":
            self._namespace[args[0]] = args[1]
            return None
        return super().perform(op, args)


@functools.lru_cache(maxsize=None)
def _stand_in(cls: type) -> type:
    """A subclass of the library's ``cls`` standing for the grader's classes derived from it."""
    return type(f"{cls.__name__} (the grader's)", (cls,), {"__module__": cls.__module__})


def _library_class(name: str):
    """The library class ``module:qualname`` names (None for anything else)."""
    module_name, _, qualname = str(name).partition(":")
    if module_name.split(".")[0] != __name__.split(".")[0] or "." in qualname:
        return None
    cls = getattr(importlib.import_module(module_name), qualname, None)
    return cls if isinstance(cls, type) else None


FRAME_HEADER = struct.Struct("!Q")  # a message's length in bytes, then its JSON (UTF-8)


def send_frame(connection: socket.socket, message: dict) -> None:
    """Send ``message`` through ``connection`` as one frame."""
    data = json.dumps(message).encode()
    connection.sendall(FRAME_HEADER.pack(len(data)) + data)


def receive_frame(connection: socket.socket, limit: int, deadline: float | None = None) -> dict:
    """The next frame of ``connection`` as a dict; ValueError if it is longer than ``limit``
    bytes or not a JSON object, EOFError if the other side closed the connection, TimeoutError
    if all of it has not come by ``deadline`` (``time.monotonic()``; None: no limit)."""
    (size,) = FRAME_HEADER.unpack(_receive_exactly(connection, FRAME_HEADER.size, deadline))
    if size > limit:
        raise ValueError(f"a message of {size} bytes, more than {limit}")
    message = json.loads(_receive_exactly(connection, size, deadline))
    if not isinstance(message, dict):
        raise ValueError("a message that is not a JSON object")
    return message


def _receive_exactly(connection: socket.socket, size: int, deadline: float | None) -> bytes:
    data = bytearray()
    while len(data) < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("a message that did not come whole in time")
            connection.settimeout(left)
        chunk = connection.recv(min(size - len(data), 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        data += chunk
    return bytes(data)


# The longest path a Unix socket's address holds (sun_path is 108 bytes on Linux, 104 on macOS).
_LONGEST_ADDRESS = 100


@contextlib.contextmanager
def unix_address(path: str):
    """An address for the Unix socket ``path`` short enough to bind or connect to: the path
    itself, or on Linux the same file reached through its folder's descriptor in /proc."""
    if len(os.fsencode(path)) <= _LONGEST_ADDRESS:
        yield path
        return
    folder = os.open(os.path.dirname(path), os.O_RDONLY)
    try:
        yield f"/proc/self/fd/{folder}/{os.path.basename(path)}"
    finally:
        os.close(folder)


def serve(path: str) -> None:
    """Answer the grader's requests about this notebook's names until it says it is done.

    The grader runs this in the kernel for each test cell (``course.trusted_tests``), ``path``
    naming the Unix socket it listens on in the kernel's runtime folder."""
    from IPython import get_ipython

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        with unix_address(path) as address:
            connection.connect(address)

        def exchange(message: dict) -> dict:
            send_frame(connection, message)
            return receive_frame(connection, 1 << 40)

        KernelPeer(get_ipython().user_ns, exchange).converse({"hello": PROTOCOL})
