"""Assertion helpers for the notebooks' test cells.

Every check raises ``AssertionError`` with a message a student can act on: what was
checked, what was expected, what came back (type, shape, dtype, values) and a hint.

The helpers keep private references to the NumPy functions they use, taken when this module
is first imported (the notebooks import it in their first, read-only cell). A student cell
that later replaces ``np.allclose`` or ``np.isclose`` therefore cannot make a check pass.
"""
from __future__ import annotations

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
    """A test cell's check failed; the message says why."""


def _fail(name: str, what: str, hint: str = "") -> None:
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
    if not isinstance(got, expected_type):
        names = expected_type if isinstance(expected_type, tuple) else (expected_type,)
        wanted = " or ".join(t.__name__ for t in names)
        _fail(name, f"expected a {wanted}, got {describe(got)}", hint)


def check_shape(name: str, got, expected_shape: tuple, hint: str = "") -> None:
    """Check that ``got`` is a NumPy array of the given shape."""
    if not isinstance(got, _ndarray):
        _fail(name, f"expected a NumPy array of shape {tuple(expected_shape)}, got {describe(got)}", hint)
    if tuple(got.shape) != tuple(expected_shape):
        _fail(name, f"returned shape {got.shape}, expected {tuple(expected_shape)}", hint)


def check_dtype(name: str, got, expected_dtype="float64", hint: str = "") -> None:
    """Check the dtype of an array (float64 by default, the course's convention)."""
    if not isinstance(got, _ndarray):
        _fail(name, f"expected a NumPy array of dtype {expected_dtype}, got {describe(got)}", hint)
    if got.dtype != _np.dtype(expected_dtype):
        _fail(name, f"returned dtype {got.dtype}, expected {_np.dtype(expected_dtype)}", hint)


def _as_float_array(name: str, value, hint: str):
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
    if condition is not True and not (isinstance(condition, _np.bool_) and bool(condition)):
        _fail(name, f"expected {what}", hint)


def check_finite(name: str, got, hint: str = "") -> None:
    """Check that every entry of ``got`` is finite (no ``nan`` or ``inf``)."""
    arr = _as_float_array(name, got, hint)
    if not _isfinite(arr).all():
        _fail(name, f"expected finite values, got {describe(got)}", hint)


def check_raises(name: str, func, exception: type = ValueError, hint: str = "") -> None:
    """Check that ``func()`` raises ``exception`` (or a subclass)."""
    try:
        func()
    except exception:
        return
    except Exception as error:  # noqa: BLE001 - any other error is the student's to see
        _fail(name, f"expected {exception.__name__}, but {type(error).__name__} was raised: {error}", hint)
    _fail(name, f"expected {exception.__name__} to be raised, but nothing was raised", hint)


def check_unchanged(name: str, before, after, hint: str = "the function must not modify its inputs") -> None:
    """Check that an input is unchanged by a call (compare with a copy taken before it)."""
    check_equal(name, after, before, hint)


class _SealedModule(type(_np)):
    """This module's type: its attributes cannot be reassigned or deleted after import, so a
    student cell cannot swap a check for one that always passes (``checks.check_close = …``)."""

    def __setattr__(self, name, value):
        raise AttributeError(f"utils.checks.{name} is read-only: the test cells rely on it")

    def __delattr__(self, name):
        raise AttributeError(f"utils.checks.{name} is read-only: the test cells rely on it")


import sys as _sys  # noqa: E402 - sealing happens once everything above is defined

_sys.modules[__name__].__class__ = _SealedModule
