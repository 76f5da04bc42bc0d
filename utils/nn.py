"""The ``Module`` base class of chapter 4, and nothing else: the layers are the exercises.

The Module protocol
-------------------
- ``params``: dict name -> float64 array, the learnable arrays (empty for ReLU, Sigmoid...).
- ``grads``: dict with the same keys and shapes, filled by ``backward``.
- ``training``: True in training mode (the default), False after ``eval()``; layers such as
  dropout behave differently in the two modes.
- ``forward(x)`` computes the output and caches what ``backward`` needs.
- ``backward(grad_out)``, with ``grad_out`` the gradient of the loss with respect to the
  output (the chapters' layers call it ``dout``), fills ``grads`` and returns the gradient with
  respect to the input.

Calling a module, ``layer(x)``, is the same as ``layer.forward(x)``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Module"]


class Module:
    """Base class of every layer and model of the course.

    Subclasses call ``super().__init__()`` first, then store their learnable arrays in
    ``self.params``, and override ``forward`` and ``backward``.

    Attributes
    ----------
    params : dict[str, ndarray]
        Learnable arrays, updated in place by optimisers.
    grads : dict[str, ndarray]
        Gradients of the loss with respect to ``params`` (same keys and shapes).
    training : bool
        True in training mode (set by ``train()``), False in evaluation mode (``eval()``).
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training: bool = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute the output for input ``x`` and cache what ``backward`` needs."""
        raise NotImplementedError(
            f"{type(self).__name__}.forward is not implemented: override forward(self, x) "
            "in your subclass to return the output (and cache what backward needs)."
        )

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Given ``grad_out = dL/d(output)`` (``dout`` in the chapters' layers), fill
        ``self.grads`` and return ``dL/dx``, the gradient with respect to the input."""
        raise NotImplementedError(
            f"{type(self).__name__}.backward is not implemented: override "
            "backward(self, dout) in your subclass to fill self.grads and return the "
            "gradient with respect to the input of forward."
        )

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def train(self) -> "Module":
        """Switch to training mode; returns the module so calls can be chained."""
        self.training = True
        return self

    def eval(self) -> "Module":
        """Switch to evaluation mode; returns the module so calls can be chained."""
        self.training = False
        return self

    def zero_grad(self) -> None:
        """Set every gradient to zero, with the shape of its parameter.

        Existing gradient arrays of the right shape are zeroed in place, so references to
        them held elsewhere stay valid; missing or mis-shaped ones are replaced.
        """
        for name, param in self.params.items():
            grad = self.grads.get(name)
            if isinstance(grad, np.ndarray) and grad.shape == np.shape(param):
                grad.fill(0.0)
            else:
                self.grads[name] = np.zeros(np.shape(param), dtype=np.float64)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name}: {np.shape(p)}" for name, p in self.params.items())
        mode = "" if self.training else ", eval"
        return f"{type(self).__name__}({shapes}{mode})"
