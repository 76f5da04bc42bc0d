"""utils.nn.Module: the base class only."""
import numpy as np
import pytest

from utils.nn import Module

pytestmark = pytest.mark.filterwarnings("error")  # the library must not warn


class Scale(Module):
    def __init__(self):
        super().__init__()
        self.params["a"] = np.array([2.0, 3.0])
        self.params["M"] = np.ones((2, 3))

    def forward(self, x):
        return x * self.params["a"]


def test_initial_state():
    m = Module()
    assert m.params == {} and m.grads == {} and m.training is True


def test_train_eval_return_self():
    m = Scale()
    assert m.eval() is m and m.training is False
    assert m.train() is m and m.training is True


def test_call_is_forward():
    np.testing.assert_array_equal(Scale()(np.array([1.0, 1.0])), [2.0, 3.0])


def test_forward_backward_not_implemented_with_helpful_message():
    with pytest.raises(NotImplementedError, match="Module.forward"):
        Module()(np.zeros(2))
    with pytest.raises(NotImplementedError, match="override backward"):
        Scale().backward(np.zeros(2))


def test_zero_grad_fills_zeros_of_param_shapes_in_place():
    m = Scale()
    m.zero_grad()
    assert set(m.grads) == {"a", "M"}
    for key in m.params:
        assert m.grads[key].shape == m.params[key].shape
        assert m.grads[key].dtype == np.float64 and not m.grads[key].any()
    held = m.grads["M"]
    held += 5.0
    m.grads["a"] = np.ones(7)  # wrong shape: replaced
    m.zero_grad()
    assert m.grads["M"] is held and not held.any()
    assert m.grads["a"].shape == (2,)


def test_repr_shows_parameter_shapes():
    assert "M: (2, 3)" in repr(Scale()) and "eval" in repr(Scale().eval())
