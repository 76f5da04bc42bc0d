"""Assertion helpers for the notebooks' test cells.

Every check raises ``AssertionError`` with a message a student can act on: what was
checked, what was expected, what came back (type, shape, dtype, values) and a hint.

The helpers keep private references to the NumPy functions they use, taken when this module
is first imported (the notebooks import it in their first, read-only cell). A student cell
that later replaces ``np.allclose`` or ``np.isclose`` therefore cannot make a check pass.
"""
from __future__ import annotations

import sys as _sys
import traceback as _traceback
import types as _types

import numpy as _np

_asarray = _np.asarray
_isfinite = _np.isfinite
_isnan = _np.isnan
_abs = _np.abs
_ndarray = _np.ndarray
_array_str = _np.array2string
_errstate = _np.errstate

__all__ = [
    "CheckFailed",
    "check_type",
    "check_shape",
    "check_dtype",
    "check_close",
    "check_equal",
    "check_true",
    "check_finite",
    "check_raises",
    "check_unchanged",
]


class CheckFailed(AssertionError):
    """A test cell's check failed; the message says why.

    Shown in a notebook (IPython calls ``_render_traceback_``), the traceback holds the test
    cell's lines and the message, not the frames of this module: every helper marks its own
    frame with ``__tracebackhide__``, which pytest honours as well.
    """

    def _render_traceback_(self) -> list[str]:
        """The lines IPython shows for this failure: its traceback without the hidden frames.

        IPython itself skips ``__tracebackhide__`` frames except the innermost one, which here
        is always a helper's (the frame that raises), so the trimmed traceback is built first.
        """
        tb = _visible_frames(self.__traceback__)
        shell = _ipython()
        if shell is None:
            return _traceback.format_exception(type(self), self, tb)
        # the shell's tb_offset drops its own run_code frame, as for any other error
        return shell.InteractiveTB.structured_traceback(type(self), self, tb,
                                                        tb_offset=shell.InteractiveTB.tb_offset)


def _ipython():
    """The running IPython shell, or None outside IPython (IPython is then not imported)."""
    ipython = _sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def _visible_frames(tb):
    """A copy of the traceback chain ``tb`` without the frames that set ``__tracebackhide__``."""
    kept = []
    while tb is not None:
        if not tb.tb_frame.f_locals.get("__tracebackhide__", False):
            kept.append(tb)
        tb = tb.tb_next
    visible = None
    for entry in reversed(kept):
        visible = _types.TracebackType(visible, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return visible


def _fail(name: str, what: str, hint: str = "") -> None:
    __tracebackhide__ = True  # a failure shows the test line, not this helper
    message = f"{name}: {what}"
    if hint:
        message += f"\nHint: {hint}"
    raise CheckFailed(message)


def describe(value) -> str:
    """A short description of ``value``: its type, and shape, dtype and values for arrays."""
    if isinstance(value, _ndarray) and value.ndim == 0:
        return f"{value.item()!r} (a 0-d array of dtype {value.dtype})"
    if isinstance(value, _ndarray):
        shown = _array_str(value, precision=6, threshold=12, edgeitems=3, max_line_width=100)
        return f"array of shape {value.shape}, dtype {value.dtype}: {shown}"
    if isinstance(value, (list, tuple)) and len(value) > 12:
        return f"{type(value).__name__} of length {len(value)}"
    return f"{type(value).__name__} {value!r}"


def check_type(name: str, got, expected_type, hint: str = "") -> None:
    """Check ``isinstance(got, expected_type)`` (a type or a tuple of types)."""
    __tracebackhide__ = True  # a failure shows the test line, not this helper
    if not isinstance(got, expected_type):
        names = expected_type if isinstance(expected_type, tuple) else (expected_type,)
        wanted = " or ".join(t.__name__ for t in names)
        _fail(name, f"expected a {wanted}, got {describe(got)}", hint)


def check_shape(name: str, got, expected_shape: tuple, hint: str = "") -> None:
    """Check that ``got`` is a NumPy array of the given shape."""
    __tracebackhide__ = True  # a failure shows the test line, not this helper
    if not isinstance(got, _ndarray):
        _fail(name, f"expected a NumPy array of shape {tuple(expected_shape)}, got {describe(got)}", hint)
    if tuple(got.shape) != tuple(expected_shape):
        _fail(name, f"returned shape {got.shape}, expected {tuple(expected_shape)}", hint)


def check_dtype(name: str, got, expected_dtype="float64", hint: str = "") -> None:
    """Check the dtype of an array (float64 by default, the course's convention)."""
    __tracebackhide__ = True  # a failure shows the test line, not this helper
    if not isinstance(got, _ndarray):
        _fail(name, f"expected a NumPy array of dtype {expected_dtype}, got {describe(got)}", hint)
    if got.dtype != _np.dtype(expected_dtype):
        _fail(name, f"returned dtype {got.dtype}, expected {_np.dtype(expected_dtype)}", hint)


def _as_float_array(name: str, value, hint: str):
    __tracebackhide__ = True  # a failure shows the test line, not this helper
    try:
        return _asarray(value, dtype=float)
    except (TypeError, ValueError):
        _fail(name, f"expected numbers, got {describe(value)}", hint)


def check_close(name: str, got, expected, rtol: float = 1e-7, atol: float = 1e-10,
                hint: str = "") -> None:
    """Check ``|got - expected| <= atol + rtol * |expected|`` entrywise, shapes equal.

    ``got`` may be a scalar or an array; ``nan`` or ``inf`` in ``got`` always fails unless
    ``expected`` holds the same non-finite value at that place.
    """
    __tracebackhide__ = True  # a failure shows the test line, not this helper
    got_arr = _as_float_array(name, got, hint)
    want = _as_float_array(name, expected, hint)
    if got_arr.shape != want.shape:
        _fail(name, f"returned shape {got_arr.shape}, expected {want.shape}; got {describe(got)}", hint)
    got_bad, want_bad = ~_isfinite(got_arr), ~_isfinite(want)
    same_nonfinite = got_bad & want_bad & ((got_arr == want) | (_isnan(got_arr) & _isnan(want)))
    with _errstate(invalid="ignore", over="ignore"):  # inf - inf is handled just below
        within = _abs(got_arr - want) <= atol + rtol * _abs(want)
    ok = (within & ~got_bad & ~want_bad) | same_nonfinite
    if not ok.all():
        wrong = int((~ok).sum())
        shown_want = want.item() if want.ndim == 0 else want
        shown_got = got if not isinstance(got, _ndarray) and got_arr.ndim == 0 else got_arr
        detail = f"expected {describe(shown_want)}\n  got {describe(shown_got)}"
        if want.size > 1:
            detail += f"\n  ({wrong} of {want.size} entries differ beyond rtol={rtol}, atol={atol})"
        _fail(name, detail, hint)


def check_equal(name: str, got, expected, hint: str = "") -> None:
    """Check exact equality: of arrays (same shape, every entry) or of plain values."""
    __tracebackhide__ = True  # a failure shows the test line, not this helper
    if isinstance(expected, _ndarray) or isinstance(got, _ndarray):
        got_arr, want = _asarray(got), _asarray(expected)
        if got_arr.shape != want.shape:
            _fail(name, f"returned shape {got_arr.shape}, expected {want.shape}", hint)
        if not (got_arr == want).all():
            _fail(name, f"expected {describe(want)}\n  got {describe(got_arr)}", hint)
        return
    if not (type(got) is type(expected) or isinstance(got, (int, float)) and isinstance(expected, (int, float))):
        _fail(name, f"expected {describe(expected)}, got {describe(got)}", hint)
    if not got == expected:
        _fail(name, f"expected {describe(expected)}, got {describe(got)}", hint)


def check_true(name: str, condition, what: str, hint: str = "") -> None:
    """Check a property; ``what`` says in words what should hold (shown on failure)."""
    __tracebackhide__ = True  # a failure shows the test line, not this helper
    if condition is not True and not (isinstance(condition, _np.bool_) and bool(condition)):
        _fail(name, f"expected {what}", hint)


def check_finite(name: str, got, hint: str = "") -> None:
    """Check that every entry of ``got`` is finite (no ``nan`` or ``inf``)."""
    __tracebackhide__ = True  # a failure shows the test line, not this helper
    arr = _as_float_array(name, got, hint)
    if not _isfinite(arr).all():
        _fail(name, f"expected finite values, got {describe(got)}", hint)


def check_raises(name: str, func, exception: type = ValueError, hint: str = "") -> None:
    """Check that ``func()`` raises ``exception`` (or a subclass)."""
    __tracebackhide__ = True  # a failure shows the test line, not this helper
    try:
        func()
    except exception:
        return
    except Exception as error:  # noqa: BLE001 - any other error is the student's to see
        _fail(name, f"expected {exception.__name__}, but {type(error).__name__} was raised: {error}", hint)
    _fail(name, f"expected {exception.__name__} to be raised, but nothing was raised", hint)


def check_unchanged(name: str, before, after, hint: str = "the function must not modify its inputs") -> None:
    """Check that an input is unchanged by a call (compare with a copy taken before it)."""
    __tracebackhide__ = True  # a failure shows the test line, not this helper
    check_equal(name, after, before, hint)


class _SealedModule(type(_np)):
    """This module's type: its attributes cannot be reassigned or deleted after import, so a
    student cell cannot swap a check for one that always passes (``checks.check_close = …``)."""

    def __setattr__(self, name, value):
        raise AttributeError(f"utils.checks.{name} is read-only: the test cells rely on it")

    def __delattr__(self, name):
        raise AttributeError(f"utils.checks.{name} is read-only: the test cells rely on it")


_sys.modules[__name__].__class__ = _SealedModule
