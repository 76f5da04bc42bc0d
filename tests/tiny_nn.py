"""A small, correct Module-protocol network for tests: layers, a `Sequential`, a loss, an SGD
step and an L2 penalty. The course's own are chapter-4 and chapter-7 exercises, so the library
receives the student's and cannot hold one; the tests that drive it use these."""
import numpy as np
from scipy.special import softmax

from utils.nn import Module


class TinySequential(Module):
    def __init__(self, *layers):
        super().__init__()
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out):
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def train(self):
        for layer in self.layers:
            layer.train()
        return super().train()

    def eval(self):
        for layer in self.layers:
            layer.eval()
        return super().eval()

    def parameters(self):
        return self._keyed("params")

    def gradients(self):
        return self._keyed("grads")

    def _keyed(self, kind):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in getattr(layer, kind).items()}


class TinyLinear(Module):
    def __init__(self, n_in, n_out, rng):
        super().__init__()
        self.params = {"W": rng.normal(0.0, n_in ** -0.5, (n_in, n_out)), "b": np.zeros(n_out)}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, grad_out):
        self.grads = {"W": self.x.T @ grad_out, "b": grad_out.sum(axis=0)}
        return grad_out @ self.params["W"].T


class TinyReLU(Module):
    def forward(self, x):
        self.positive = x > 0
        return x * self.positive

    def backward(self, grad_out):
        return grad_out * self.positive


def tiny_cross_entropy(logits, y):
    p = softmax(logits, axis=1)
    rows = np.arange(len(y))
    dlogits = p.copy()
    dlogits[rows, y] -= 1.0
    return -np.mean(np.log(p[rows, y])), dlogits / len(y)


def tiny_sgd(params, grads, lr):
    for name in params:
        params[name] -= lr * grads[name]


def tiny_l2(params, lam):
    value = 0.5 * lam * sum(np.sum(p ** 2) for k, p in params.items() if k.endswith("W"))
    return value, {k: lam * p if k.endswith("W") else np.zeros_like(p) for k, p in params.items()}
