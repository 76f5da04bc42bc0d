"""Chapter 4 catalogue: realistic mistakes (WRONG) and right-but-different answers (RIGHT).

Each variant's ``code`` is the whole new source of the answer cell ``answer`` of
``source/ch04_backprop/ch04_backprop.ipynb`` (for a class: the whole class). Every WRONG
variant loses points in ``test_<answer>_visible`` or ``test_<answer>_hidden``; every RIGHT
variant keeps every autograded point of the notebook.
"""
from textwrap import dedent

from . import Variant


def _v(answer: str, name: str, code: str) -> Variant:
    return Variant(answer=answer, name=name, code=dedent(code).strip() + "\n")


def _linear(init: str = "self.params['W'] = np.sqrt(1.0 / in_features) * rng.standard_normal((in_features, out_features))",
            dW: str = "self.x.T @ dout", db: str = "dout.sum(axis=0)", dx: str = "dout @ self.params['W'].T",
            forward: str = "x @ self.params['W'] + self.params['b']") -> str:
    """A Linear layer with one piece swapped (the rest as in the model answer)."""
    return f"""
        class Linear(Module):
            def __init__(self, in_features, out_features, rng):
                super().__init__()
                {init}
                self.params["b"] = np.zeros(out_features)

            def forward(self, x):
                self.x = x
                return {forward}

            def backward(self, dout):
                self.grads["W"] = {dW}
                self.grads["b"] = {db}
                return {dx}
        """


def _sequential(forward: str = "for layer in self.layers:\n                    x = layer.forward(x)",
                backward: str = "for layer in reversed(self.layers):\n                    dout = layer.backward(dout)",
                key: str = 'f"{i}.{name}"', value: str = "array",
                enumerate_layers: str = "enumerate(self.layers)") -> str:
    """A Sequential with one piece swapped (the rest as in the model answer)."""
    return f"""
        class Sequential(Module):
            def __init__(self, *layers):
                super().__init__()
                self.layers = list(layers)

            def forward(self, x):
                {forward}
                return x

            def backward(self, dout):
                {backward}
                return dout

            def parameters(self):
                return {{{key}: {value} for i, layer in {enumerate_layers}
                        for name, array in layer.params.items()}}

            def gradients(self):
                return {{{key}: {value} for i, layer in {enumerate_layers}
                        for name, array in layer.grads.items()}}

            def train(self):
                for layer in self.layers:
                    layer.train()
                return super().train()

            def eval(self):
                for layer in self.layers:
                    layer.eval()
                return super().eval()
        """


WRONG = [
    # ---- Linear -------------------------------------------------------------------------------
    _v("Linear", "db averaged again over the samples (dout already holds 1/n)",
       _linear(db="dout.mean(axis=0)")),
    _v("Linear", "dW transposed: dout.T @ x", _linear(dW="dout.T @ self.x")),
    _v("Linear", "dX missing the transpose of W: dout @ W", _linear(dx="dout @ self.params['W']")),
    _v("Linear", "initialisation with variance 1 (no 1/in_features)",
       _linear(init="self.params['W'] = rng.standard_normal((in_features, out_features))")),
    _v("Linear", "initialisation with standard deviation 1/in_features instead of its square root",
       _linear(init="self.params['W'] = rng.normal(0.0, 1.0 / in_features, size=(in_features, out_features))")),
    _v("Linear", "weights drawn from the global np.random state instead of rng",
       _linear(init="self.params['W'] = np.random.randn(in_features, out_features) / np.sqrt(in_features)")),
    _v("Linear", "PyTorch's layout: W of shape (out, in) and Z = x Wᵀ",
       _linear(init="self.params['W'] = rng.standard_normal((out_features, in_features)) / np.sqrt(in_features)",
               forward="x @ self.params['W'].T + self.params['b']", dW="dout.T @ self.x",
               dx="dout @ self.params['W']")),
    # ---- ReLU ---------------------------------------------------------------------------------
    _v("ReLU", "derivative 1 at 0 (mask x >= 0)", """
        class ReLU(Module):
            def forward(self, x):
                self.mask = x >= 0
                return np.where(self.mask, x, 0.0)

            def backward(self, dout):
                return dout * self.mask
        """),
    _v("ReLU", "forward clips its input in place", """
        class ReLU(Module):
            def forward(self, x):
                np.maximum(x, 0.0, out=x)
                self.mask = x > 0
                return x

            def backward(self, dout):
                return dout * self.mask
        """),
    _v("ReLU", "backward returns the mask, forgetting dout", """
        class ReLU(Module):
            def forward(self, x):
                self.mask = x > 0
                return np.maximum(x, 0.0)

            def backward(self, dout):
                return self.mask.astype(float)
        """),
    # ---- Sigmoid ------------------------------------------------------------------------------
    _v("Sigmoid", "backward from the cached input instead of the output: x(1 − x)", """
        class Sigmoid(Module):
            def forward(self, x):
                self.x = x
                e = np.exp(-np.abs(x))
                return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

            def backward(self, dout):
                return dout * self.x * (1.0 - self.x)
        """),
    _v("Sigmoid", "naive 1 / (1 + exp(-x)): overflow warning at x = -1000", """
        class Sigmoid(Module):
            def forward(self, x):
                self.out = 1.0 / (1.0 + np.exp(-x))
                return self.out

            def backward(self, dout):
                return dout * self.out * (1.0 - self.out)
        """),
    _v("Sigmoid", "backward forgets to multiply by dout", """
        class Sigmoid(Module):
            def forward(self, x):
                e = np.exp(-np.abs(x))
                self.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
                return self.out

            def backward(self, dout):
                return self.out * (1.0 - self.out)
        """),
    # ---- softmax_cross_entropy ----------------------------------------------------------------
    _v("softmax_cross_entropy", "no max shift: exp overflows at logits of 1000", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            exp = np.exp(logits)
            probs = exp / exp.sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(probs[np.arange(n), y]))
            dlogits = probs.copy()
            dlogits[np.arange(n), y] -= 1.0
            return float(loss), dlogits / n
        """),
    _v("softmax_cross_entropy", "dlogits not divided by n", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            dlogits = np.exp(log_probs)
            dlogits[np.arange(n), y] -= 1.0
            return float(-log_probs[np.arange(n), y].mean()), dlogits
        """),
    _v("softmax_cross_entropy", "loss summed over the samples instead of averaged", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            dlogits = np.exp(log_probs)
            dlogits[np.arange(n), y] -= 1.0
            return float(-log_probs[np.arange(n), y].sum()), dlogits / n
        """),
    _v("softmax_cross_entropy", "softmax over the samples (axis 0) instead of the classes", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            shifted = logits - logits.max(axis=0, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
            dlogits = np.exp(log_probs)
            dlogits[np.arange(n), y] -= 1.0
            return float(-log_probs[np.arange(n), y].mean()), dlogits / n
        """),
    # ---- mse_loss -----------------------------------------------------------------------------
    _v("mse_loss", "dpred divided by the number of samples n instead of pred.size", """
        def mse_loss(pred, target):
            diff = pred - target
            return float(np.mean(diff ** 2)), 2.0 * diff / len(pred)
        """),
    _v("mse_loss", "gradient without the factor 2", """
        def mse_loss(pred, target):
            diff = pred - target
            return float(np.mean(diff ** 2)), diff / diff.size
        """),
    _v("mse_loss", "loss divided by n instead of the number of entries", """
        def mse_loss(pred, target):
            diff = pred - target
            return float(np.sum(diff ** 2) / len(pred)), 2.0 * diff / diff.size
        """),
    # ---- Sequential ---------------------------------------------------------------------------
    _v("Sequential", "backward in forward order",
       _sequential(backward="for layer in self.layers:\n                    dout = layer.backward(dout)")),
    _v("Sequential", "parameters() and gradients() return copies, so the optimiser changes nothing",
       _sequential(value="array.copy()")),
    _v("Sequential", 'keys "layer{index}.{name}" instead of "{index}.{name}"',
       _sequential(key='f"layer{i}.{name}"')),
    _v("Sequential", "index counts only the layers with parameters",
       _sequential(enumerate_layers="enumerate(l for l in self.layers if l.params)")),
    # ---- sgd_step -----------------------------------------------------------------------------
    _v("sgd_step", "rebinds the dict entry to a new array instead of updating in place", """
        def sgd_step(params, grads, lr):
            for key in params:
                params[key] = params[key] - lr * grads[key]
        """),
    _v("sgd_step", "rebinds the loop variable: nothing is updated", """
        def sgd_step(params, grads, lr):
            for key, p in params.items():
                p = p - lr * grads[key]
        """),
    _v("sgd_step", "gradient ascent: adds lr * g", """
        def sgd_step(params, grads, lr):
            for key, p in params.items():
                p += lr * grads[key]
        """),
    _v("sgd_step", "scales the gradients in place (grads modified)", """
        def sgd_step(params, grads, lr):
            for key, p in params.items():
                g = grads[key]
                g *= lr
                p -= g
        """),
    _v("Linear", "backward adds the gradients to the previous call's (accumulates)",
       _linear(dW="self.grads.get('W', 0.0) + self.x.T @ dout", db="self.grads.get('b', 0.0) + dout.sum(axis=0)")),
    # ---- kinds of issue 16: distribution shape, state shared between instances or kept from an
    # earlier call, key order, cancellation, stable-looking clipping -------------------------
    _v("Linear", "uniform U[−a, a] of the right variance (a = √(3/in_features)) instead of a normal",
       _linear(init="limit = np.sqrt(3.0 / in_features)\n"
                    "                self.params['W'] = rng.uniform(-limit, limit, size=(in_features, out_features))")),
    _v("Linear", "normal clipped at three standard deviations",
       _linear(init="self.params['W'] = np.sqrt(1.0 / in_features) * np.clip(rng.standard_normal("
                    "(in_features, out_features)), -3.0, 3.0)")),
    _v("Linear", "input cached on the class (Linear.x): every layer's backward uses the last forward's input",
       _linear(dW="Linear.x.T @ dout").replace("self.x = x", "Linear.x = x")),
    _v("ReLU", "mask kept on the class, shared by every ReLU of a network", """
        class ReLU(Module):
            mask = None

            def forward(self, x):
                ReLU.mask = x > 0
                return np.maximum(x, 0.0)

            def backward(self, dout):
                return dout * ReLU.mask
        """),
    _v("ReLU", "mask computed at the first forward only (a cache never refreshed)", """
        class ReLU(Module):
            def forward(self, x):
                if not hasattr(self, "mask"):
                    self.mask = x > 0
                return np.maximum(x, 0.0)

            def backward(self, dout):
                return dout * self.mask
        """),
    _v("Sigmoid", "output kept on the class, shared by every Sigmoid of a network", """
        class Sigmoid(Module):
            out = None

            def forward(self, x):
                e = np.exp(-np.abs(x))
                Sigmoid.out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
                return Sigmoid.out

            def backward(self, dout):
                return dout * Sigmoid.out * (1.0 - Sigmoid.out)
        """),
    _v("softmax_cross_entropy", "log of probabilities clipped at 1e-12: a confident wrong sample costs 27.6, not 2000", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            shifted = logits - logits.max(axis=1, keepdims=True)
            probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(np.clip(probs[np.arange(n), y], 1e-12, 1.0)))
            dlogits = probs.copy()
            dlogits[np.arange(n), y] -= 1.0
            return float(loss), dlogits / n
        """),
    _v("mse_loss", "the square expanded: mean(p²) − 2 mean(p t) + mean(t²), which cancels for a close fit", """
        def mse_loss(pred, target):
            loss = np.mean(pred ** 2) - 2.0 * np.mean(pred * target) + np.mean(target ** 2)
            return float(loss), 2.0 * (pred - target) / pred.size
        """),
    _v("Sequential", "gradients() dict built at the first call and returned again afterwards",
       _sequential().replace("""            def gradients(self):
                return {""", """            def gradients(self):
                if getattr(self, "_grads", None) is not None:
                    return self._grads
                self._grads = {""").replace("""for name, array in layer.grads.items()}
""", """for name, array in layer.grads.items()}
                return self._grads
""")),
    _v("Sequential", "a list on the class (layers = []) that every network appends to",
       _sequential().replace("""                super().__init__()
                self.layers = list(layers)""", """                super().__init__()
                self.layers.extend(layers)""").replace("""        class Sequential(Module):
""", """        class Sequential(Module):
            layers = []

""")),
    _v("sgd_step", "zips params.values() with grads.values(): pairs arrays by position, not by key", """
        def sgd_step(params, grads, lr):
            for p, g in zip(params.values(), grads.values()):
                p -= lr * g
        """),
]


RIGHT = [
    # ---- Linear -------------------------------------------------------------------------------
    _v("Linear", "np.einsum for dW, rng.normal with a scale, a copy of x in the cache", """
        class Linear(Module):
            def __init__(self, in_features, out_features, rng):
                super().__init__()
                self.params["W"] = rng.normal(0.0, np.sqrt(1.0 / in_features), size=(in_features, out_features))
                self.params["b"] = np.zeros((out_features,))

            def forward(self, x):
                self.cache = x.copy()
                return np.dot(x, self.params["W"]) + self.params["b"]

            def backward(self, dout):
                self.grads["W"] = np.einsum("ni,no->io", self.cache, dout)
                self.grads["b"] = np.einsum("no->o", dout)
                return np.einsum("no,io->ni", dout, self.params["W"])
        """),
    _v("Linear", "attributes W and b shared with params, gradients written in place", """
        class Linear(Module):
            def __init__(self, in_features, out_features, rng):
                super().__init__()
                self.W = rng.standard_normal(size=(in_features, out_features)) / np.sqrt(in_features)
                self.b = np.zeros(out_features)
                self.params = {"W": self.W, "b": self.b}
                self.grads = {"W": np.zeros_like(self.W), "b": np.zeros_like(self.b)}

            def forward(self, x):
                self.x = x
                return x @ self.W + self.b

            def backward(self, dout):
                self.grads["W"][...] = self.x.T @ dout
                self.grads["b"][...] = np.sum(dout, axis=0)
                return dout @ self.W.T
        """),
    # ---- ReLU ---------------------------------------------------------------------------------
    _v("ReLU", "np.maximum forward, the input cached, mask rebuilt in backward", """
        class ReLU(Module):
            def forward(self, x):
                self.x = x
                return np.maximum(x, 0.0)

            def backward(self, dout):
                return dout * (self.x > 0)
        """),
    _v("ReLU", "multiplication by a float mask, np.heaviside with value 0 at 0", """
        class ReLU(Module):
            def forward(self, x):
                self.slope = np.heaviside(x, 0.0)
                return x * self.slope

            def backward(self, dout):
                return dout * self.slope
        """),
    # ---- Sigmoid ------------------------------------------------------------------------------
    _v("Sigmoid", "scipy.special.expit", """
        from scipy.special import expit

        class Sigmoid(Module):
            def forward(self, x):
                self.a = expit(x)
                return self.a

            def backward(self, dout):
                return dout * self.a * (1 - self.a)
        """),
    _v("Sigmoid", "through tanh: 0.5 (1 + tanh(x / 2))", """
        class Sigmoid(Module):
            def forward(self, x):
                self.out = 0.5 * (1.0 + np.tanh(0.5 * x))
                return self.out

            def backward(self, dout):
                return dout * (self.out - self.out ** 2)
        """),
    # ---- softmax_cross_entropy ----------------------------------------------------------------
    _v("softmax_cross_entropy", "scipy's logsumexp and softmax, a one-hot matrix", """
        from scipy.special import logsumexp, softmax

        def softmax_cross_entropy(logits, y):
            n, k = logits.shape
            onehot = np.eye(k)[y]
            loss = np.mean(logsumexp(logits, axis=1) - np.sum(onehot * logits, axis=1))
            return loss, (softmax(logits, axis=1) - onehot) / n
        """),
    _v("softmax_cross_entropy", "probabilities from the shifted exponentials, loss from their log", """
        def softmax_cross_entropy(logits, y):
            n = len(y)
            z = logits - np.max(logits, axis=1, keepdims=True)
            log_sum = np.log(np.sum(np.exp(z), axis=1))
            loss = np.sum(log_sum - z[np.arange(n), y]) / n
            probs = np.exp(z - log_sum[:, None])
            grad = probs.copy()
            grad[np.arange(n), y] -= 1
            grad /= n
            return loss, grad
        """),
    # ---- mse_loss -----------------------------------------------------------------------------
    _v("mse_loss", "np.square and np.prod of the shape", """
        def mse_loss(pred, target):
            diff = np.subtract(pred, target)
            n_entries = np.prod(diff.shape)
            return np.square(diff).sum() / n_entries, 2 * diff / n_entries
        """),
    # ---- Sequential ---------------------------------------------------------------------------
    _v("Sequential", "layers reversed by slicing, dicts filled by loops", """
        class Sequential(Module):
            def __init__(self, *layers):
                super().__init__()
                self.layers = list(layers)

            def forward(self, x):
                out = x
                for layer in self.layers:
                    out = layer(out)
                return out

            def backward(self, dout):
                grad = dout
                for layer in self.layers[::-1]:
                    grad = layer.backward(grad)
                return grad

            def _collect(self, attribute):
                collected = {}
                for index, layer in enumerate(self.layers):
                    for name, array in getattr(layer, attribute).items():
                        collected[str(index) + "." + name] = array
                return collected

            def parameters(self):
                return self._collect("params")

            def gradients(self):
                return self._collect("grads")

            def train(self):
                for layer in self.layers:
                    layer.train()
                return super().train()

            def eval(self):
                for layer in self.layers:
                    layer.eval()
                return super().eval()
        """),
    _v("Sequential", "functools.reduce for both passes", """
        from functools import reduce

        class Sequential(Module):
            def __init__(self, *layers):
                super().__init__()
                self.layers = list(layers)

            def forward(self, x):
                return reduce(lambda h, layer: layer.forward(h), self.layers, x)

            def backward(self, dout):
                return reduce(lambda g, layer: layer.backward(g), reversed(self.layers), dout)

            def parameters(self):
                return {"%d.%s" % (i, k): v for i, l in enumerate(self.layers) for k, v in l.params.items()}

            def gradients(self):
                return {"%d.%s" % (i, k): v for i, l in enumerate(self.layers) for k, v in l.grads.items()}

            def train(self):
                for layer in self.layers:
                    layer.train()
                return super().train()

            def eval(self):
                for layer in self.layers:
                    layer.eval()
                return super().eval()
        """),
    # ---- sgd_step -----------------------------------------------------------------------------
    _v("sgd_step", "p[...] -= lr * g", """
        def sgd_step(params, grads, lr):
            for name in params:
                params[name][...] -= lr * grads[name]
        """),
    _v("sgd_step", "np.subtract(p, lr * g, out=p)", """
        def sgd_step(params, grads, lr):
            for key, p in params.items():
                np.subtract(p, lr * grads[key], out=p)
        """),
    _v("sgd_step", "augmented assignment on the dict item (in place for arrays)", """
        def sgd_step(params, grads, lr):
            for key in grads:
                params[key] -= lr * grads[key]
        """),
    _v("Linear", "grads filled with zeros in __init__, before any backward", """
        class Linear(Module):
            def __init__(self, in_features, out_features, rng):
                super().__init__()
                self.params["W"] = rng.standard_normal((in_features, out_features)) / np.sqrt(in_features)
                self.params["b"] = np.zeros(out_features)
                self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}

            def forward(self, x):
                self.x = x
                return x @ self.params["W"] + self.params["b"]

            def backward(self, dout):
                self.grads["W"] = self.x.T @ dout
                self.grads["b"] = dout.sum(axis=0)
                return dout @ self.params["W"].T
        """),
    # ---- more right answers: grads replaced by a new dict, a copy clipped in place, other
    # stable formulas, the keys of grads iterated ------------------------------------------------
    _v("Linear", "grads replaced by a new dict at every backward",
       _linear().replace("""                self.grads["W"] = self.x.T @ dout
                self.grads["b"] = dout.sum(axis=0)""", """                self.grads = {"W": self.x.T @ dout, "b": dout.sum(axis=0)}""")),
    _v("ReLU", "a copy of x clipped in place, the mask from the copy", """
        class ReLU(Module):
            def forward(self, x):
                out = np.array(x, dtype=float, copy=True)
                out[out < 0] = 0.0
                self.mask = out > 0
                return out

            def backward(self, dout):
                grad = dout.copy()
                grad[~self.mask] = 0.0
                return grad
        """),
    _v("Sigmoid", "exp(−log(1 + e^−x)) through np.logaddexp", """
        class Sigmoid(Module):
            def forward(self, x):
                self.a = np.exp(-np.logaddexp(0.0, -x))
                return self.a

            def backward(self, dout):
                return dout * self.a * (1.0 - self.a)
        """),
    _v("mse_loss", "squared Frobenius norm of the residual over its size", """
        def mse_loss(pred, target):
            diff = pred - target
            return float(np.linalg.norm(diff) ** 2 / diff.size), 2.0 * diff / diff.size
        """),
    _v("Sequential", "gradients() looks up every key of parameters() in the layer's grads (a KeyError "
       "before the first backward, which the docstring leaves open)",
       _sequential().replace("for name, array in layer.grads.items()",
                             "for name, array in ((k, layer.grads[k]) for k in layer.params)")),
    _v("sgd_step", "the keys of grads iterated", """
        def sgd_step(params, grads, lr):
            for key, g in grads.items():
                params[key] -= lr * g
        """),
]
