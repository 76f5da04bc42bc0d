"""``utils.remote``: the grader and a kernel's peer, talking in turns through JSON as over the
Jupyter stdin channel (here two threads). Values keep their types, arrays and generators stay
one object on both sides, callbacks run where they were made, errors cross as data; and the
grader's side refuses what a hostile kernel could send or ask."""
import json
import linecache
import queue
import threading

import numpy as np
import pytest

from course.trusted_tests import GraderPeer
from utils.remote import PROTOCOL, KernelPeer, ProtocolError, Remote, RemoteTraceback

KERNEL_CODE = '''
import numpy as np

kept = np.arange(3.0)

def echo(x):
    return x

def get():
    return kept

def read(i):
    return float(kept[i])

def double_in_place(a):
    a *= 2

def draw(rng):
    return rng.normal(size=2)

def apply(f, x):
    return f(x) + 1

class Layer:
    def __init__(self, n):
        self.n = n
        self.params = {"W": np.ones((2, 2))}

    def forward(self, x):
        return x @ self.params["W"]

class MyError(KeyError):
    pass

def fail(kind):
    if kind == "value":
        raise ValueError("bad input")
    if kind == "mine":
        raise MyError("mine")
    raise SystemExit(3)

def count(n):
    yield from range(n)

def raw(handle, op, *args):
    """A hostile kernel: a request sent as it is, past the handle's own refusals."""
    peer = object.__getattribute__(handle, "_peer")
    return peer.request(op, handle, *args)

shared = {}

def fill(params):
    shared.clear()
    for key, value in params.items():
        shared[key] = 2 * value
    return shared

def replace_entries(params):
    for key in params:
        params[key] = params[key] + 1    # a new array in the caller's dict, not an in-place change

def append_to(items):
    items.append("from the kernel")

def count_modules(layers):
    from utils.nn import Module
    return sum(isinstance(layer, Module) for layer in layers)

stored = []

def store(x):
    stored.append(x)

def last_stored():
    return stored[-1]

cache = {}

def fit():
    import warnings
    cache["w"] = np.ones(3)
    warnings.warn("slow", RuntimeWarning)
    return cache["w"]

def weights():
    return cache["w"]

class Flat:
    def __init__(self):
        self.flat = np.zeros(4)
        self.W = self.flat[:2]           # a view of flat

    def touch(self):
        return None

state = {"seen": {1}}

def see(x):
    state["seen"].add(x)

def stop():
    raise StopIteration

class PosesAsArray:
    __array_interface__ = property(lambda self: {"shape": (1,), "typestr": "<f8", "data": (8, True),
                                                 "version": 3})
'''


@pytest.fixture()
def kernel():
    """A ``KernelPeer`` serving ``KERNEL_CODE``'s names in a thread, and the grader's peer of it."""
    namespace: dict = {}
    linecache.cache["<cell>"] = (len(KERNEL_CODE), None, KERNEL_CODE.splitlines(True), "<cell>")  # as IPython does
    exec(compile(KERNEL_CODE, "<cell>", "exec"), namespace)  # noqa: S102 - the test's own code
    to_kernel, to_grader = queue.Queue(), queue.Queue()

    def kernel_exchange(message):
        to_grader.put(json.dumps(message))
        return json.loads(to_kernel.get(timeout=30))

    thread = threading.Thread(target=KernelPeer(namespace, kernel_exchange).converse,
                              args=({"hello": PROTOCOL},), daemon=True)
    thread.start()
    assert json.loads(to_grader.get(timeout=30)) == {"hello": PROTOCOL, "sync": [], "released": []}

    def grader_exchange(message):
        to_kernel.put(json.dumps(message))
        return json.loads(to_grader.get(timeout=30))

    peer = GraderPeer(grader_exchange)
    yield lambda name: peer.request("global", name), peer
    to_kernel.put(json.dumps({"end": True}))
    thread.join(timeout=30)
    assert not thread.is_alive()


@pytest.mark.parametrize("value", [None, True, 3, 10**30, 1.5, float("inf"), "text", (1, [2, (3,)]),
                                   {"a": 1, 2: "b", (1, 2): None}, {1, 2}, frozenset({3}), 2 + 1j, b"\x00\xff",
                                   slice(1, None, 2), Ellipsis, np.float64(2.5), np.float32(0.5), np.bool_(True),
                                   np.int64(-7), np.uint8(200), np.complex128(1 - 2j)])
def test_plain_values_cross_with_their_types(kernel, value):
    get, _ = kernel
    back = get("echo")(value)
    assert type(back) is type(value) and back == value


def test_nan_crosses_as_nan(kernel):
    get, _ = kernel
    assert np.isnan(get("echo")(float("nan"))) and np.isnan(get("echo")(np.float64("nan")))


def test_an_array_is_one_object_on_both_sides(kernel):
    get, _ = kernel
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert get("echo")(a) is a                     # sent and returned: the grader's own array
    assert get("get")() is get("get")()            # the kernel's array, twice: one object
    get("double_in_place")(a)                      # changed in place over there ...
    np.testing.assert_array_equal(a, [[2.0, 4.0], [6.0, 8.0]])   # ... is changed here
    kept = get("get")()
    kept[1] = 100.0                                # changed here ...
    assert get("read")(1) == 100.0                 # ... is what the kernel reads next
    for dtype in (np.int32, np.bool_, np.complex64, np.float16):
        b = np.ones(3, dtype=dtype)
        assert get("echo")(b) is b and get("echo")(b.copy()).dtype == dtype


def test_a_generator_draws_as_if_it_were_used_here(kernel):
    get, _ = kernel
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(get("draw")(rng), twin.normal(size=2))
    assert rng.normal() == twin.normal()  # the grader's generator moved on as the kernel drew


def test_callbacks_run_where_they_were_made(kernel):
    get, _ = kernel
    calls = []

    def square(x):
        calls.append(x)
        return x * x

    assert get("apply")(square, 3) == 10 and calls == [3]


def test_objects_of_the_kernel_are_handles(kernel):
    get, _ = kernel
    Layer = get("Layer")
    layer = Layer(3)
    assert type(layer) is Remote and layer.n == 3
    assert isinstance(layer, Layer) and not isinstance(np.zeros(1), Layer)
    layer.n = 5
    assert layer.n == 5
    layer.params["W"][...] = 2.0                   # an array inside a dict read by value
    np.testing.assert_array_equal(layer.forward(np.ones((1, 2))), [[4.0, 4.0]])
    assert list(get("count")(3)) == [0, 1, 2]
    assert "Layer" in repr(layer)


def test_errors_cross_as_the_nearest_built_in_type(kernel):
    get, _ = kernel
    with pytest.raises(ValueError, match="bad input") as caught:
        get("fail")("value")
    assert isinstance(caught.value.__cause__, RemoteTraceback)
    assert 'raise ValueError("bad input")' in str(caught.value.__cause__)
    with pytest.raises(KeyError, match="MyError"):
        get("fail")("mine")
    with pytest.raises(RuntimeError, match="SystemExit"):  # never a SystemExit in the grader
        get("fail")("exit")
    with pytest.raises(KeyError):
        get("no_such_name")


def test_the_grader_refuses_what_reaches_past_its_objects(kernel):
    get, _ = kernel
    raw = get("raw")

    def callback(x):
        return x

    generator = (i for i in range(3))
    for target, name in [(callback, "__globals__"), (callback, "__code__"), (generator, "gi_frame"),
                         (callback, "_private")]:
        with pytest.raises(AttributeError, match="do not show"):
            raw(callback if target is callback else generator, "getattr", name)
    with pytest.raises(AttributeError, match="cannot be changed"):
        raw(callback, "setattr", "attribute", 1)
    with pytest.raises(AttributeError):  # a handle never looks up special names over there
        get("Layer")(1).__array_interface__
    # NumPy finds no array interface on a handle, so it never reads memory a kernel points at.
    with pytest.raises((TypeError, ValueError)):
        np.asarray(get("PosesAsArray")(), dtype=float)


@pytest.mark.parametrize("data, why", [
    ({"t": "array", "link": "k1", "dtype": "|O", "shape": [1], "data": ""}, "do not cross"),
    ({"t": "array", "link": "k1", "dtype": "<f8", "shape": [3], "data": "AAAAAAAAAAA="}, "does not match"),
    ({"t": "array", "link": "k1", "dtype": "<f8", "shape": [-1], "data": ""}, "negative"),
    ({"t": "array", "link": "g77"}, "unknown linked object"),
    ({"t": "dict", "link": "g78"}, "unknown linked object"),
    ({"t": "ref", "id": "g77"}, "unknown object"),
    ({"t": "scalar", "dtype": "<f8", "v": "AAAA"}, "wrong size"),
    ({"t": "rng", "link": "k2", "state": {"bit_generator": "os.system"}}, "unknown bit generator"),
    ({"t": "pickle", "v": ""}, "unknown value tag"),
])
def test_the_grader_rejects_malformed_values(data, why):
    with pytest.raises(ProtocolError, match=why):
        GraderPeer(lambda message: message).decode(data)


def test_the_grader_rejects_updates_it_cannot_apply():
    peer = GraderPeer(lambda message: message)
    a = np.zeros(2)
    link = peer.encode(a)["link"]
    wrong_shape = {"dtype": "<f8", "shape": [1], "data": "AAAAAAAAAAA="}
    with pytest.raises(ProtocolError, match="size"):
        peer._receive({"sync": [[link, wrong_shape]]})
    with pytest.raises(ProtocolError, match="unknown object"):
        peer._receive({"sync": [["k5", wrong_shape]]})
    with pytest.raises(ProtocolError, match="not a JSON object"):
        peer._receive([1, 2])



def test_lists_and_dicts_are_one_object_on_both_sides(kernel):
    get, _ = kernel
    first = get("fill")({"a": np.ones(2)})
    kept = first["a"]
    second = get("fill")({"b": np.zeros(2)})
    assert second is first and sorted(first) == ["b"]  # the kernel's dict, changed after it returned
    assert kept is not first.get("a")
    params = {"w": np.ones(2)}
    w = params["w"]
    get("replace_entries")(params)
    assert params["w"] is not w and np.array_equal(params["w"], [2.0, 2.0]) and np.array_equal(w, [1.0, 1.0])
    items = ["from the grader"]
    get("append_to")(items)
    assert items == ["from the grader", "from the kernel"]
    loop = []
    loop.append(loop)
    back = get("echo")(loop)
    assert back is loop and back[0] is back


def test_the_kernel_sees_the_graders_layers_as_modules(kernel):
    """A test's own layer (a subclass of utils.nn.Module made in the grader) passes the student's
    isinstance(layer, Module) in the kernel, as it would in one process; other objects do not."""
    from utils.nn import Module

    class Double(Module):
        def forward(self, x):
            return 2 * x

    get, _ = kernel
    layer = Double()
    assert get("count_modules")([layer, Double(), lambda x: x]) == 2
    assert get("echo")(layer) is layer and get("apply")(layer, 3) == 7  # sent back: the grader's own


def test_what_both_sides_dropped_is_forgotten_and_what_one_side_keeps_is_not(kernel):
    get, peer = kernel
    echo, store, last_stored = get("echo"), get("store"), get("last_stored")
    store(np.full(2, 7.0))                           # dropped here, kept over there
    for _ in range(300):
        echo(np.ones(3))
        echo({"W": np.zeros(2), "b": [np.ones(1)]})
    assert len(peer._links) < 20, len(peer._links)   # not one per call
    np.testing.assert_array_equal(last_stored(), [7.0, 7.0])
    kept = get("get")()
    echo(kept)
    assert get("get")() is kept                      # still one object while both hold it


def test_an_array_reached_again_through_its_dict_is_watched_again(kernel):
    """The grader drops a kernel dict and its array, reads the dict again and writes into the
    array in place: the kernel sees the write (as `layer.params["W"][...] = W` needs)."""
    get, _ = kernel
    layer = get("Layer")(1)
    layer.params["W"]
    get("echo")(1)                                   # dropped here, and said so, in between
    layer.params["W"][...] = 3.0
    np.testing.assert_array_equal(layer.forward(np.ones((1, 2))), [[6.0, 6.0]])


def test_review_cases(kernel):
    """Cases a review found: a warning raised as an error still leaves the answer's arrays known;
    a change through one of two arrays sharing memory reaches the other; a set in a dict is
    compared by value; a read-only array stays read-only; a callback's error crosses without its
    message; a StopIteration from a call is no loop's end."""
    import warnings

    get, _ = kernel
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning):
            get("fit")()
    np.testing.assert_array_equal(get("weights")(), np.ones(3))
    model = get("Flat")()
    flat, W = model.flat, model.W
    W -= 1.0
    model.touch()
    np.testing.assert_array_equal(flat, [-1.0, -1.0, 0.0, 0.0])
    seen = get("state")["seen"]
    get("see")(2)
    assert get("state")["seen"] == {1, 2} and seen == {1}      # a set crosses by value
    frozen = np.ones(2)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        get("double_in_place")(frozen)

    def secret(_):
        raise ValueError("SECRET expected value 42")

    with pytest.raises(ValueError) as raised:
        get("apply")(secret, 1)
    assert "SECRET" not in str(raised.value) and "SECRET" not in str(raised.value.__cause__)
    with pytest.raises(RuntimeError, match="StopIteration"):
        get("stop")()
