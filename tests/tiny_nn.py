"""A test-only `Sequential` for the Module protocol (the course's own is a chapter-4 exercise,
so the library cannot hold one): chains layers, backward in reverse, and exposes the layers'
own arrays keyed "{index}.{name}"."""
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

    def parameters(self):
        return self._keyed("params")

    def gradients(self):
        return self._keyed("grads")

    def _keyed(self, kind):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in getattr(layer, kind).items()}
