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
  graded notebook's own folder); and to start other programs or open a database.

A kernel shares its process with the student's code, so this cannot stop every trick (nothing
in-process can); ``course.review.suspicious`` flags the rest for a human to look at.
"""
from __future__ import annotations

import importlib
import itertools
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
    put_back = _register_restore(take_snapshot())
    notebook_dir = Path.cwd().resolve()  # nbgrader starts the kernel in the notebook's folder
    # The project this library belongs to, and the course nbgrader grades in (they differ when
    # grading happens in a scratch copy): autograded/<student>/<assignment>/ is 3 levels down.
    course_dirs = (Path(__file__).resolve().parents[1], *notebook_dir.parents[2:3])
    sys.addaudithook(_audit_hook(course_dirs, notebook_dir, put_back, _cell_files()))
    _active = True
    return True


_EMPTY = object()  # the content of a closure cell that holds nothing yet
# Namespaces read past any class a cell could give a module, or attribute a class could gain.
_module_namespace = types.ModuleType.__dict__["__dict__"].__get__
_class_namespace = type.__dict__["__dict__"].__get__
_set_class = object.__setattr__  # a module's class may refuse assignments through its own
_MODULES = sys.modules  # the interpreter's table, even if a cell rebinds `sys.modules`


def take_snapshot(names: list[str] | None = None) -> tuple[dict, tuple, dict]:
    """The state of the modules ``names`` (default: every guarded module loaded now), of their
    Python functions and of their classes, for :func:`restore_snapshot`.

    Returns (modules, functions, classes): a module's name -> (the module, its class, the names
    and the values of its namespace); the functions and, in the same order, their codes,
    defaults, keyword defaults, closure cells with their contents, attributes; a class -> (its
    bases, the names and the values of its namespace).
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
    closures = tuple((cell, _cell_content(cell)) for f in functions for cell in f.__closure__ or ())
    function_states = (functions, tuple(f.__code__ for f in functions), tuple(f.__defaults__ for f in functions),
                       tuple(f.__kwdefaults__ for f in functions), closures,
                       tuple(dict(f.__dict__) for f in functions))
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
    C (``map``), and only what differs is put back one by one.
    """
    modules, (functions, codes, defaults, kwdefaults, closures, attributes), classes = snapshot
    for klass, (bases, keys, values) in classes.items():
        if klass.__bases__ != bases:
            klass.__bases__ = bases
        now = _class_namespace(klass)
        if len(now) != len(keys) or _differs(now, keys, values):
            _restore_class(klass, dict(zip(keys, values)))
    for name, saved in (("__code__", codes), ("__defaults__", defaults), ("__kwdefaults__", kwdefaults)):
        if any(map(operator.is_not, map(operator.attrgetter(name), functions), saved)):
            for function, value in zip(functions, saved):
                if getattr(function, name) is not value:
                    setattr(function, name, value)
    if any(map(operator.is_not, map(_cell_content, (cell for cell, _ in closures)), (c for _, c in closures))):
        for cell, content in closures:
            if _cell_content(cell) is not content:
                if content is _EMPTY:
                    del cell.cell_contents
                else:
                    cell.cell_contents = content
    sizes = map(len, map(operator.attrgetter("__dict__"), functions))
    if any(map(operator.ne, sizes, map(len, attributes))) or any(
            _differs(f.__dict__, tuple(saved), tuple(saved.values())) for f, saved in zip(functions, attributes) if saved):
        for function, saved in zip(functions, attributes):
            now = function.__dict__
            if len(now) != len(saved) or _differs(now, tuple(saved), tuple(saved.values())):
                function.__dict__ = dict(saved)
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
    return any(map(operator.is_not, map(namespace.get, keys, itertools.repeat(_EMPTY)), values))


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

    # The hooks through which a cell could rewrite or silence the cells after it.
    transformers = {name: list(getattr(shell, name)) for name in SHELL_HOOK_LISTS}
    restore = _sealed(restore_snapshot)
    put_back_events = _sealed(_events_keeper)(shell)

    def put_back_hooks(*_info) -> None:
        for name, original in transformers.items():
            getattr(shell, name)[:] = original
        vars(shell).pop("showtraceback", None)  # an instance attribute would shadow the method
        put_back_events()

    def put_back(*_info) -> None:
        restore(snapshot, shell.user_ns)
        put_back_hooks()

    # The hooks after each cell as well: the kernel transforms a cell's code before it runs.
    shell.events.register("post_run_cell", put_back_hooks)
    put_back_events.trust_current()
    return put_back


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
        code = getattr(_function_of(callback), "__code__", None)
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
    the ``__call__`` of a callable object's class."""
    for _ in range(8):  # a partial of a method of an object...
        inner = getattr(callback, "__func__", None) or getattr(callback, "func", None)
        if inner is None and not isinstance(callback, (types.FunctionType, types.BuiltinFunctionType, type)):
            inner = getattr(type(callback), "__call__", None)
        if inner is None or inner is callback:
            return callback
        callback = inner
    return callback


def _silence(callback) -> None:
    """Make the Python function behind ``callback`` do nothing (keeping its free variables, which
    a code object must match)."""
    function = _function_of(callback)
    if not isinstance(function, types.FunctionType):
        return
    free = function.__code__.co_freevars
    body = "".join(f"    {name} = None\n" for name in free)
    use = f"        ({', '.join(free)},)\n" if free else ""
    namespace = {}
    exec(f"def outer():\n{body}    def nothing(*args, **kwargs):\n{use}        return None\n    return nothing\n",
         namespace)
    function.__code__ = namespace["outer"]().__code__


def forbidden_path(path: str, course_dirs: tuple[Path, ...], notebook_dir: Path) -> bool:
    """Whether a graded notebook may not open ``path``: a notebook, text twin, database or git
    object anywhere, or a file in a folder of a course (``course_dirs``) that holds answers,
    hidden tests or other students' work, except the graded notebook's own folder."""
    resolved = Path(os.path.abspath(path))
    if resolved.name.endswith(FORBIDDEN_SUFFIXES) or ".git" in resolved.parts:
        return True
    if resolved == notebook_dir or notebook_dir in resolved.parents:
        return False
    return any(course / folder == resolved or course / folder in resolved.parents
               for course in course_dirs for folder in FORBIDDEN_FOLDERS)


def _cell_files() -> str:
    """How the file names the kernel gives the code of its cells begin (ipykernel: a private
    folder, ``…/ipykernel_<pid>/``; plain IPython: ``<ipython-input-``)."""
    from IPython import get_ipython

    shell = get_ipython()
    name = shell.compile.get_code_name("", "", 0) if shell is not None else ""
    return os.path.dirname(name) + os.sep if os.sep in name else "<ipython-input-"


def _audit_hook(course_dirs: tuple[Path, ...], notebook_dir: Path, put_back=None, cell_files: str = "\0"):
    """An audit hook refusing what :data:`FORBIDDEN_EVENTS` lists, databases other than in
    memory, and opening a forbidden path (see :func:`forbidden_path`); and calling ``put_back``
    when the code of a new cell is about to run.

    The kernel runs each top-level statement of a cell with ``exec``, under a file name that
    begins with ``cell_files``; the first one of a cell (a name other than the last one's)
    puts the snapshot back. That is after every callback of the cell's events, and nothing a
    cell does can remove an audit hook, so no cell has the last word before a test cell.
    Modules imported meanwhile (also run by ``exec``) do not count.
    """
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
            if isinstance(args[0], (str, bytes, os.PathLike)) and forbidden_path(os.fsdecode(args[0]), course_dirs,
                                                                                 notebook_dir):
                raise PermissionError(f"a graded notebook may not open {os.fsdecode(args[0])!r}")
        elif event in FORBIDDEN_EVENTS or event.startswith("os.exec") or event.startswith("os.spawn"):
            raise PermissionError(f"a graded notebook may not start other programs ({event})")
        elif event == "sqlite3.connect" and args and args[0] not in (":memory:", b":memory:"):
            raise PermissionError("a graded notebook may not open a database")

    return hook
