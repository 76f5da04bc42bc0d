"""Integrity of a notebook while nbgrader grades it: what a student's cell cannot change.

``nbgrader_config.py`` makes every grading kernel run :func:`protect` when it starts, before the
first cell of the notebook. During ``nbgrader autograde`` it then

- takes a snapshot (:func:`take_snapshot`) of every module of NumPy and of this library, and of
  the standard modules their code calls (``builtins``, ``functools``, ``operator``, ``math``),
  and puts it back before every cell: which object each name points to
  (``np.allclose = …``, ``utils.checks.__dict__[…] = …``, ``sys.modules["utils.checks"] = …``,
  ``builtins.isinstance = …``, ``np = …``), and what each of their Python functions does (its
  ``__code__``, defaults, closure cells and attributes) and each of their classes holds (its
  methods and attributes, bases: ``CheckFailed``, ``np.errstate``, ``Module``). So a test cell
  runs the real ``np.allclose``, ``np.linalg.lstsq`` and check helpers, whatever an earlier
  cell did to them, short of reaching into memory. What puts it back is a private copy of this
  module's functions (:func:`_sealed`), so changing this module does not switch it off, and it
  runs from an audit hook as the cell's code starts, after every callback a cell could have
  added to the kernel's events;
- keeps the kernel's shell hooks (input and AST transformers, event callbacks) to its own, so
  that no cell rewrites or empties the cells after it;
- refuses, through an audit hook (which Python offers no way to remove), to open the files
  that hold answers or hidden tests: notebooks, text twins, databases and git objects anywhere,
  and the course's folders of sources, solutions, tests and other students' work (but the
  graded notebook's own folder); and to start other programs or open a database;
- refuses, through the same hook and whenever it happens (in a test cell too: from the
  student's function the test calls, a thread, a timer, a finalizer), a change of what a guarded
  function does (its code, defaults, keyword defaults) to anything but the snapshot's values,
  tracers and profilers (which see every frame, the guard's included), and ``gc``'s walks over
  the interpreter's objects (which reach the guard's own).

A kernel shares its process with the student's code, so this cannot stop every trick (nothing
in-process can: ``tests/fixtures/cheating.py`` keeps 11 that beat it). That is why the test cells
no longer run here: the grader runs them in its own process (``course.trusted_tests``) and
calls the student's code in this kernel through ``utils.remote.serve``. This guard is a second
layer: what it keeps in place, the files it refuses and the programs it does not start still
hold for every cell of the student's.
"""
from __future__ import annotations

import functools
import gc
import importlib
import itertools
import keyword
import operator
import os
import sys
import types
from pathlib import Path

GRADING_MODE = "autograde"  # the value nbgrader gives NBGRADER_EXECUTION while autograding
# Imported before any cell runs, so that the snapshot holds them as they really are.
GUARDED_MODULES = ("numpy", "numpy.linalg", "numpy.testing", "numpy.random", "utils", "utils.checks",
                   "utils.datasets", "utils.gradcheck", "utils.nn", "utils.plotting", "utils.widgets")
# Every loaded module of these packages is guarded, with its functions and classes.
GUARDED_PACKAGES = ("numpy", "utils")
# Standard modules whose names the guarded code looks up at every call; of ``builtins`` only
# the built-in functions and types are guarded (IPython adds and removes the rest itself).
GUARDED_STANDARD = ("builtins", "functools", "operator", "math")
# File name endings that hold solutions or hidden tests, wherever they are.
FORBIDDEN_SUFFIXES = (".ipynb", ".pct.py", ".db", ".db-journal", ".sqlite")
# Folders of a course that hold answers, hidden tests or other students' work.
FORBIDDEN_FOLDERS = ("source", "solutions", "tests", "autograded", "submitted", "feedback", "reports",
                     ".exchange")
# Audit events that start programs or open databases: none is needed by a graded notebook.
FORBIDDEN_EVENTS = frozenset({
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
    "pty.spawn",
})

# Audit events through which a cell could reach the guard's own objects, or rebind the local
# variables of any function it watches run (a tracer's frames): none is needed by a graded notebook.
INTROSPECTION_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys.settrace",
                                  "sys.setprofile"})
# What a guarded function does, which no cell may change while the kernel grades (the guard only
# writes back the values of its snapshot).
FUNCTION_STATE = ("__code__", "__defaults__", "__kwdefaults__")

# Lists of the IPython shell a cell could extend to rewrite or empty the cells that follow it.
SHELL_HOOK_LISTS = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")

_active = False


def protect() -> bool:
    """Guard this kernel while nbgrader autogrades it; True when the guard was installed.

    Does nothing outside ``nbgrader autograde`` (students' own kernels, validation, building
    the solutions) or when called a second time.
    """
    global _active
    if _active or os.environ.get("NBGRADER_EXECUTION") != GRADING_MODE:
        return False
    for name in GUARDED_MODULES:
        importlib.import_module(name)
    snapshot = take_snapshot()
    put_back = _register_restore(snapshot)
    notebook_dir = Path.cwd().resolve()  # nbgrader starts the kernel in the notebook's folder
    # The project this library belongs to, and the course nbgrader grades in (they differ when
    # grading happens in a scratch copy): autograded/<student>/<assignment>/ is 3 levels down.
    course_dirs = (Path(__file__).resolve().parents[1], *notebook_dir.parents[2:3])
    hook = _sealed(_audit_hook)(tuple(map(str, course_dirs)), str(notebook_dir), put_back, _cell_files(), snapshot)
    sys.addaudithook(hook)
    _active = True
    return True


_EMPTY = object()  # the content of a closure cell that holds nothing yet
# Namespaces read past any class a cell could give a module, or attribute a class could gain.
_module_namespace = types.ModuleType.__dict__["__dict__"].__get__
_class_namespace = type.__dict__["__dict__"].__get__
_set_class = object.__setattr__  # a module's class may refuse assignments through its own
_MODULES = sys.modules  # the interpreter's table, even if a cell rebinds `sys.modules`
# What the guard calls before every cell, bound once: a cell can rebind `operator.is_not`,
# `itertools.repeat` or `os.path.abspath` (modules nobody guards, or not yet restored when the
# comparisons run), which would make every comparison find nothing to put back.
_is_not, _ne, _attrgetter, _repeat = operator.is_not, operator.ne, operator.attrgetter, itertools.repeat
_get_referents = gc.get_referents
_FunctionType, _BuiltinFunctionType, _MethodType = types.FunctionType, types.BuiltinFunctionType, types.MethodType
_partial, _iskeyword = functools.partial, keyword.iskeyword
# A class's bases and MRO through type's own descriptors, past a metaclass's properties.
_bases, _set_bases = type.__dict__["__bases__"].__get__, type.__dict__["__bases__"].__set__
_mro = type.__dict__["__mro__"].__get__
# Paths: built-in functions only (os.path.abspath and os.fsdecode are Python code calling helpers).
_fspath, _getcwd, _SEP = os.fspath, os.getcwd, os.sep
_FS_ENCODING, _FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()


def take_snapshot(names: list[str] | None = None) -> tuple[dict, tuple, dict]:
    """The state of the modules ``names`` (default: every guarded module loaded now), of their
    Python functions and of their classes, for :func:`restore_snapshot`.

    Returns (modules, functions, classes): a module's name -> (the module, its class, the names
    and the values of its namespace); the functions and, in the same order, their codes,
    defaults, keyword defaults, closure cells with their contents, attributes, and what they
    hold (:func:`_held`, with the separators it was read with); a class -> (its bases, the
    names and the values of its namespace).
    """
    if names is None:
        names = [n for n in list(sys.modules) if n in GUARDED_STANDARD or n.split(".")[0] in GUARDED_PACKAGES]
    modules = {n: sys.modules[n] for n in names if sys.modules.get(n) is not None}
    found, classes = {}, {}
    for module in modules.values():
        for value in list(_module_namespace(module).values()):
            _collect(value, found, classes)
    module_states = {}
    for name, module in modules.items():
        namespace = _namespace(module)
        module_states[name] = (module, type(module), tuple(namespace), tuple(namespace.values()))
    functions = tuple(found)
    for function in functions:  # made now if not yet, so that reading them later changes nothing held
        function.__dict__, function.__annotations__  # noqa: B018
    closures = tuple((cell, _cell_content(cell)) for f in functions for cell in f.__closure__ or ())
    separated = tuple(itertools.chain.from_iterable(zip(functions, itertools.repeat((object(),)))))
    function_states = (functions, tuple(f.__code__ for f in functions), tuple(f.__defaults__ for f in functions),
                       tuple(f.__kwdefaults__ for f in functions), closures,
                       tuple(dict(f.__dict__) for f in functions), separated,
                       # read one by one each time if one has no module name: see _held
                       _get_referents(*separated) if all(type(f.__module__) is str for f in functions) else [])
    class_states = {}
    for klass in classes:
        namespace = dict(_class_namespace(klass))
        class_states[klass] = (klass.__bases__, tuple(namespace), tuple(namespace.values()))
    return module_states, function_states, class_states


def restore_snapshot(snapshot: tuple[dict, tuple, dict], user_ns: dict | None = None) -> None:
    """Put back everything ``snapshot`` (:func:`take_snapshot`) holds: classes first (a module's
    class included), then functions, then the modules' namespaces and ``sys.modules``; and the
    user namespace's ``np`` and ``__builtins__``, if they were rebound.

    This runs before every cell, over thousands of objects: each kind of state is compared in
    C (``map``), and only what differs is put back one by one. The functions' codes and
    defaults are put back only when what the functions hold differs (:func:`_held`).
    """
    modules, (functions, codes, defaults, kwdefaults, closures, attributes, separated, held), classes = snapshot
    for klass, (bases, keys, values) in classes.items():
        now_bases = _bases(klass)
        if len(now_bases) != len(bases) or any(map(_is_not, now_bases, bases)):
            _set_bases(klass, bases)
        now = _class_namespace(klass)
        if len(now) != len(keys) or _differs(now, keys, values):
            _restore_class(klass, dict(zip(keys, values)))
    if _held(separated, held):
        for name, saved in (("__code__", codes), ("__defaults__", defaults), ("__kwdefaults__", kwdefaults)):
            for function, value in zip(functions, saved):
                if getattr(function, name) is not value:
                    setattr(function, name, value)
    if any(map(_is_not, map(_cell_content, (cell for cell, _ in closures)), (c for _, c in closures))):
        for cell, content in closures:
            if _cell_content(cell) is not content:
                if content is _EMPTY:
                    del cell.cell_contents
                else:
                    cell.cell_contents = content
    sizes = map(len, map(_attrgetter("__dict__"), functions))
    if any(map(_ne, sizes, map(len, attributes))) or any(
            _differs(f.__dict__, tuple(saved), tuple(saved.values())) for f, saved in zip(functions, attributes) if saved):
        for function, saved in zip(functions, attributes):
            now = function.__dict__
            if len(now) != len(saved) or _differs(now, tuple(saved), tuple(saved.values())):
                now.clear()
                now.update(saved)
    for name, (module, kind, keys, values) in modules.items():
        if _MODULES.get(name) is not module:
            _MODULES[name] = module
        if type(module) is not kind:
            _set_class(module, "__class__", kind)
        current = _module_namespace(module)  # even when the module's setattr is sealed
        if _differs(current, keys, values):
            for key, value in zip(keys, values):
                if current.get(key, _EMPTY) is not value:
                    current[key] = value
    if user_ns is not None:
        # A cell's frame takes its built-ins from its globals' ``__builtins__``: rebinding that
        # name would hand every later cell another ``__import__``, ``len``, ``range``...
        for name, module in (("np", "numpy"), ("__builtins__", "builtins")):
            value = modules.get(module, (None,))[0]
            if value is not None and user_ns.get(name, value) is not value:
                user_ns[name] = value


def _differs(namespace, keys: tuple, values: tuple) -> bool:
    """Whether ``namespace`` lacks one of ``keys`` or holds another object than ``values``
    for it (compared in C)."""
    return any(map(_is_not, map(namespace.get, keys, _repeat(_EMPTY)), values))


def _held(separated: tuple, held: list) -> bool:
    """Whether the functions of ``separated`` (each followed by the snapshot's separator, a tuple
    holding a fresh object) hold other objects than ``held``, what they held at the snapshot.

    What a function holds (its code, globals, built-ins, module name, defaults, keyword defaults,
    doc, name, attributes, closure, annotations, qualified name: CPython's ``func_traverse``)
    is read through the garbage collector, one audit event for all functions, where reading
    ``__code__``, ``__defaults__`` or ``__kwdefaults__`` raises one per function and attribute:
    thousands of calls of the kernel's audit hook before every cell, the guard's main cost. A
    changed code, defaults or keyword defaults cannot hold the same objects in the same order
    (CPython 3.11's ``func_traverse``; empty slots are skipped): the code comes first, the name
    (a string) and the attributes' dict (made by the snapshot) pin what lies between them, and
    what replaces defaults would have to be an object the function held already, of the same
    type, in its place; only an empty module name slot could take the old defaults' place, so a
    snapshot holding such a function reads every function one by one (``held`` empty). Nor can
    a function's objects pass for its neighbour's, across a separator that no function holds.
    """
    now = _get_referents(*separated)
    return len(now) != len(held) or any(map(_is_not, now, held))


def _cell_content(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return _EMPTY


def _namespace(module) -> dict:
    """What is put back of a module's namespace: all of it, but of ``builtins`` only the
    built-in functions and types."""
    namespace = dict(_module_namespace(module))
    if module.__name__ != "builtins":
        return namespace
    return {k: v for k, v in namespace.items() if isinstance(v, (types.BuiltinFunctionType, type))}


def _guarded_class(value) -> bool:
    return isinstance(value, type) and str(getattr(value, "__module__", "")).split(".")[0] in GUARDED_PACKAGES


def _collect(value, functions: dict, classes: dict) -> None:
    """Add the Python functions and guarded classes ``value`` is or holds (a NumPy dispatcher's
    implementation, a class's methods, static and class methods, properties)."""
    if isinstance(value, types.FunctionType):
        functions[value] = None
    elif _guarded_class(value) and value not in classes:
        classes[value] = None
        for member in list(_class_namespace(value).values()):
            for part in (getattr(member, "__func__", None), getattr(member, "fget", None),
                         getattr(member, "fset", None), member):
                if isinstance(part, types.FunctionType):
                    functions[part] = None
    elif not isinstance(value, type) and isinstance(getattr(value, "_implementation", None), types.FunctionType):
        functions[value._implementation] = None  # np.allclose & co. call this function


def _restore_class(klass, namespace: dict) -> None:
    """Make ``klass``'s namespace ``namespace`` again, past any metaclass that would refuse."""
    now = _class_namespace(klass)
    for key in [k for k in now if k not in namespace]:
        type.__delattr__(klass, key)
    for key, value in namespace.items():
        if now.get(key, _EMPTY) is not value and key not in ("__dict__", "__weakref__"):
            type.__setattr__(klass, key, value)


def _sealed(function):
    """A private copy of one of this module's functions, and of every function of this module it
    calls, with a frozen copy of this module's globals and of ``builtins``: a cell that changes
    this module (``integrity.restore_snapshot = …``, a helper's ``__code__``) or ``builtins``
    does not change the copy, which only the kernel's event hooks hold."""
    import builtins

    frozen = dict(globals())
    frozen["__builtins__"] = dict(vars(builtins))
    for name, value in list(frozen.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == __name__:
            frozen[name] = types.FunctionType(value.__code__, frozen, value.__name__, value.__defaults__,
                                              value.__closure__)
    return frozen[function.__name__]


def _register_restore(snapshot: tuple[dict, dict, dict]):
    """What puts the snapshot back, and the shell's hooks; the hooks are also put back after every
    cell. None outside a kernel (a plain interpreter runs no cells)."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return None

    restore = _sealed(restore_snapshot)
    put_back_events = _sealed(_events_keeper)(shell)
    put_back_hooks = _sealed(_hooks_keeper)(shell, put_back_events)

    def put_back(*_info) -> None:
        put_back_hooks()  # first: it looks at the student's callbacks, whose code must not run after
        restore(snapshot, shell.user_ns)

    # The hooks after each cell as well: the kernel transforms a cell's code before it runs.
    shell.events.register("post_run_cell", put_back_hooks)
    put_back_events.trust_current()
    return put_back


def _hooks_keeper(shell, put_back_events):
    """What puts back the shell's hooks through which a cell could rewrite or silence the cells
    after it (its input and AST transformers, ``showtraceback``), and its events
    (``put_back_events``, :func:`_events_keeper`)."""
    transformers = {name: list(getattr(shell, name)) for name in SHELL_HOOK_LISTS}

    def put_back_hooks(*_info) -> None:
        for name, original in transformers.items():
            getattr(shell, name)[:] = original
        vars(shell).pop("showtraceback", None)  # an instance attribute would shadow the method
        put_back_events()

    return put_back_hooks


def _events_keeper(shell):
    """What keeps the shell's cell events (``post_run_cell`` & co.) to the kernel's own callbacks.

    A cell could remove the callback that puts the shell's hooks back after each cell, or add
    one that runs after it in the same event and re-installs a hook emptying the cells that
    follow. The returned function puts back the shell's event manager, its class and the
    kernel's own callbacks (those registered when ``.trust_current()`` was called, and later
    ones of installed packages, e.g. the inline figures' ``flush_figures``); every other
    callback is dropped and turned into a function doing nothing, since the copy of the list an
    event is iterating still holds it.
    """
    events = shell.events
    callbacks = events.callbacks
    manager_class = type(events)
    class_state = dict(_class_namespace(manager_class))
    own = {}
    here = os.getcwd()
    installed = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path} - {"", here})

    def from_package(callback) -> bool:
        function = _function_of(callback)
        code = function.__code__ if type(function) is _FunctionType else None
        return code is not None and code.co_filename.startswith(installed) and not code.co_filename.startswith(here)

    def put_back_events() -> None:
        if shell.events is not events:
            shell.events = events
        if type(events) is not manager_class:
            _set_class(events, "__class__", manager_class)
        if _differs(_class_namespace(manager_class), tuple(class_state), tuple(class_state.values())):
            _restore_class(manager_class, class_state)
        if events.callbacks is not callbacks:
            events.callbacks = callbacks
        for name, functions in callbacks.items():
            kept = own.get(name, [])
            strangers = [f for f in functions if not any(f is k for k in kept) and not from_package(f)]
            for stranger in strangers:
                _silence(stranger)
            if strangers or any(not any(k is f for f in functions) for k in kept):
                functions[:] = kept + [f for f in functions if from_package(f) and not any(f is k for k in kept)]

    put_back_events.trust_current = lambda: own.update({name: list(fs) for name, fs in callbacks.items()})
    return put_back_events


def _function_of(callback):
    """The Python function a callback runs: itself, a bound method's or a partial's function, or
    the ``__call__`` of a callable object's class. Looked up past any ``__getattr__``, property or
    metaclass of the callback's (its code must not run in the guard)."""
    for _ in range(8):  # a partial of a method of an object...
        kind = type(callback)
        if kind is _MethodType:
            inner = callback.__func__
        elif kind is _partial:
            inner = callback.func
        elif issubclass(kind, (_FunctionType, _BuiltinFunctionType, type)):
            return callback
        else:
            inner = next((_class_namespace(k)["__call__"] for k in _mro(kind) if "__call__" in _class_namespace(k)),
                         None)
        if inner is None or inner is callback:
            return callback
        callback = inner
    return callback


def _silence(callback) -> None:
    """Make the Python function behind ``callback`` do nothing (keeping its free variables, which
    a code object must match). A free variable's name is written into code: one that is no plain
    name (a code object can be given any) leaves the callback as it is, dropped from the events."""
    function = _function_of(callback)
    if type(function) is not _FunctionType:
        return
    free = function.__code__.co_freevars
    if not all(name.isidentifier() and not _iskeyword(name) for name in free):
        return
    body = "".join(f"    {name} = None\n" for name in free)
    use = f"        ({', '.join(free)},)\n" if free else ""
    namespace = {}
    exec(f"def outer():\n{body}    def nothing(*args, **kwargs):\n{use}        return None\n    return nothing\n",
         namespace)
    function.__code__ = namespace["outer"]().__code__


def forbidden_path(path: str, course_dirs: tuple[str, ...], notebook_dir: str) -> bool:
    """Whether a graded notebook may not open ``path``: a notebook, text twin, database or git
    object anywhere, or a file in a folder of a course (``course_dirs``, absolute) that holds
    answers, hidden tests or other students' work, except the graded notebook's own folder
    (``notebook_dir``, absolute). String operations and built-in functions only, which no cell
    can change."""
    resolved = _absolute(path)
    parts = resolved.split(_SEP)
    if parts[-1].endswith(FORBIDDEN_SUFFIXES) or ".git" in parts:
        return True
    if _inside(resolved, notebook_dir):
        return False
    return any(_inside(resolved, course.rstrip(_SEP) + _SEP + folder)
               for course in course_dirs for folder in FORBIDDEN_FOLDERS)


def _absolute(path: str) -> str:
    """``path`` made absolute and normal: ``.``, ``..`` and repeated separators (a leading ``//``
    too, which Linux opens as ``/``) resolved as text, as ``os.path.abspath`` does."""
    if not path.startswith(_SEP):
        path = _getcwd() + _SEP + path
    parts = []
    for part in path.split(_SEP):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return _SEP + _SEP.join(parts)


def _opened_path(file) -> str | None:
    """The path an ``open`` audit event names (a file descriptor names none)."""
    if not issubclass(type(file), (str, bytes)) and not any("__fspath__" in _class_namespace(k) for k in _mro(type(file))):
        return None
    path = _fspath(file)
    return path.decode(_FS_ENCODING, _FS_ERRORS) if issubclass(type(path), bytes) else path


def _inside(path: str, folder: str) -> bool:
    """Whether the absolute ``path`` is ``folder`` or lies under it."""
    return path == folder or path.startswith(folder.rstrip(_SEP) + _SEP)


def _cell_files() -> str:
    """How the file names the kernel gives the code of its cells begin (ipykernel: a private
    folder, ``…/ipykernel_<pid>/``; plain IPython: ``<ipython-input-``)."""
    from IPython import get_ipython

    shell = get_ipython()
    name = shell.compile.get_code_name("", "", 0) if shell is not None else ""
    return os.path.dirname(name) + os.sep if os.sep in name else "<ipython-input-"


def _audit_hook(course_dirs: tuple[str, ...], notebook_dir: str, put_back=None, cell_files: str = "\0",
                snapshot: tuple = ({}, ((),) * 8, {})):
    """An audit hook refusing what :data:`FORBIDDEN_EVENTS` lists, databases other than in
    memory, and opening a forbidden path (see :func:`forbidden_path`); and calling ``put_back``
    when the code of a new cell is about to run.

    It also refuses, whenever they happen (in a test cell too, from a function the test calls,
    a thread, a timer or a finalizer), what :data:`INTROSPECTION_EVENTS` lists, but the guard's
    own read of what its functions hold (:func:`_held`); and changing what a function of
    ``snapshot`` (:func:`take_snapshot`) does to anything but the values the snapshot holds.

    The kernel runs each top-level statement of a cell with ``exec``, under a file name that
    begins with ``cell_files``; the first one of a cell (a name other than the last one's)
    puts the snapshot back. That is after every callback of the cell's events, and nothing a
    cell does can remove an audit hook, so no cell has the last word before a test cell.
    Modules imported meanwhile (also run by ``exec``) do not count. :func:`protect` installs
    a sealed copy (:func:`_sealed`).
    """
    functions, codes, defaults, kwdefaults, _, _, separated, _ = snapshot[1]
    # function -> its code, defaults and keyword defaults, in the order of FUNCTION_STATE (read-only)
    function_states = types.MappingProxyType({f: state for f, *state in zip(functions, codes, defaults, kwdefaults)})
    last_file, busy = [None], [False]

    def hook(event: str, args: tuple) -> None:
        if event == "exec":
            code = args[0]
            if put_back is not None and not busy[0] and getattr(code, "co_name", "") == "<module>" \
                    and code.co_filename != last_file[0] and code.co_filename.startswith(cell_files):
                last_file[0], busy[0] = code.co_filename, True
                try:
                    put_back()
                finally:
                    busy[0] = False
        elif event == "open":
            path = _opened_path(args[0])
            if path is not None and forbidden_path(path, course_dirs, notebook_dir):
                raise PermissionError(f"a graded notebook may not open {path!r}")
        elif event in FORBIDDEN_EVENTS or event.startswith("os.exec") or event.startswith("os.spawn"):
            raise PermissionError(f"a graded notebook may not start other programs ({event})")
        elif event == "sqlite3.connect" and args and args[0] not in (":memory:", b":memory:"):
            raise PermissionError("a graded notebook may not open a database")
        elif event in ("object.__setattr__", "object.__delattr__"):
            state = function_states.get(args[0]) if type(args[0]) is _FunctionType else None
            if state is not None and args[1] in FUNCTION_STATE \
                    and (args[2] if len(args) > 2 else None) is not state[FUNCTION_STATE.index(args[1])]:
                raise PermissionError(f"a graded notebook may not change what {args[0].__qualname__} does ({args[1]})")
        elif event in INTROSPECTION_EVENTS and not (args and args[0] is separated):
            raise PermissionError(f"a graded notebook may not trace or look through the interpreter ({event})")

    return hook
