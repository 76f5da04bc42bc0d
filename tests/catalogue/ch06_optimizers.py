"""Chapter 6 catalogue: realistic mistakes (WRONG) and right-but-different answers (RIGHT).

Each variant's ``code`` is the whole new source of the answer cell ``answer`` of
``source/ch06_optimizers/ch06_optimizers.ipynb`` (for a class: the whole class). Every WRONG
variant loses points in ``test_<answer>_visible`` or ``test_<answer>_hidden``; every RIGHT
variant keeps every autograded point of the notebook.
"""
from textwrap import dedent, indent

from . import Variant


def _v(answer: str, name: str, code: str) -> Variant:
    return Variant(answer=answer, name=name, code=dedent(code).strip() + "\n")


def _momentum(cls: str, update: str, init: str = "self.velocity = {}") -> str:
    """A Momentum or Nesterov class whose ``step`` body is ``update``, run for every key with
    ``p``, ``g`` and the key's velocity ``v`` (zeros at first) in scope."""
    body = indent(dedent(update).strip(), " " * 20)
    return f"""
        class {cls}:
            def __init__(self, lr, momentum=0.9):
                self.lr = lr
                self.momentum = momentum
                {init}

            def step(self, params, grads):
                for key, p in params.items():
                    g = grads[key]
                    v = self.velocity.setdefault(key, np.zeros_like(p))
{body}
        """


def _adaptive(cls: str, init_args: str, update: str) -> str:
    """An AdaGrad or RMSProp class whose ``step`` body is ``update``, run for every key with
    ``p``, ``g`` and the key's accumulator ``acc`` (zeros at first, kept in ``self.acc``)."""
    body = indent(dedent(update).strip(), " " * 20)
    hyper = "\n".join(f"                self.{name.split('=')[0]} = {name.split('=')[0]}"
                      for name in init_args.split(", "))
    return f"""
        class {cls}:
            def __init__(self, {init_args}):
{hyper}
                self.acc = {{}}

            def step(self, params, grads):
                for key, p in params.items():
                    g = grads[key]
                    acc = self.acc.setdefault(key, np.zeros_like(p))
{body}
        """


ADAM_MOMENTS = """
    self.t[key] += 1
    t = self.t[key]
    self.m[key] = b1 * self.m[key] + (1 - b1) * g
    self.v[key] = b2 * self.v[key] + (1 - b2) * g ** 2
"""


def _adam(update: str, counter_start: int = 0) -> str:
    """An Adam class whose per-key ``step`` body is ``ADAM_MOMENTS`` then ``update``, with the
    key's ``m``, ``v`` and step count ``self.t[key]`` (starting at ``counter_start``) in scope."""
    body = indent(dedent(ADAM_MOMENTS).strip() + "\n" + dedent(update).strip(), " " * 20)
    return f"""
        class Adam:
            def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
                self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
                self.m, self.v, self.t = {{}}, {{}}, {{}}

            def step(self, params, grads):
                b1, b2 = self.beta1, self.beta2
                for key, p in params.items():
                    g = grads[key]
                    if key not in self.t:
                        self.m[key], self.v[key], self.t[key] = np.zeros_like(p), np.zeros_like(p), {counter_start}
{body}
        """


def _minibatches(body: str) -> str:
    return "def iterate_minibatches(X, y, batch_size, rng=None, shuffle=True):\n" + indent(dedent(body).strip(), "    ")


WRONG = [
    # ---- SGD ----------------------------------------------------------------------------------
    _v("SGD", "params replaced by new arrays instead of updated in place", """
        class SGD:
            def __init__(self, lr):
                self.lr = lr

            def step(self, params, grads):
                for key, p in params.items():
                    params[key] = p - self.lr * grads[key]
        """),
    _v("SGD", "sign error: p += lr g (gradient ascent)", """
        class SGD:
            def __init__(self, lr):
                self.lr = lr

            def step(self, params, grads):
                for key, p in params.items():
                    p += self.lr * grads[key]
        """),
    _v("SGD", "scales the gradient in place (g *= lr), modifying grads", """
        class SGD:
            def __init__(self, lr):
                self.lr = lr

            def step(self, params, grads):
                for key, p in params.items():
                    g = grads[key]
                    g *= self.lr
                    p -= g
        """),
    _v("SGD", "the rate copied in __init__: changing opt.lr (a schedule) has no effect", """
        class SGD:
            def __init__(self, lr):
                self.lr = lr
                self.step_size = lr

            def step(self, params, grads):
                for key, p in params.items():
                    p -= self.step_size * grads[key]
        """),
    # ---- Momentum -----------------------------------------------------------------------------
    _v("Momentum", "v = μv − g without the learning rate, p += v",
       _momentum("Momentum", "v *= self.momentum\nv -= g\np += v")),
    _v("Momentum", "sign error: p -= v with v = μv − lr g",
       _momentum("Momentum", "v *= self.momentum\nv -= self.lr * g\np -= v")),
    _v("Momentum", "one velocity shared by every key", """
        class Momentum:
            def __init__(self, lr, momentum=0.9):
                self.lr = lr
                self.momentum = momentum
                self.v = 0.0

            def step(self, params, grads):
                for key, p in params.items():
                    self.v = self.momentum * self.v - self.lr * grads[key]
                    p += self.v
        """),
    _v("Momentum", "velocity not kept between steps (plain SGD)", """
        class Momentum:
            def __init__(self, lr, momentum=0.9):
                self.lr = lr
                self.momentum = momentum

            def step(self, params, grads):
                for key, p in params.items():
                    v = np.zeros_like(p)
                    v = self.momentum * v - self.lr * grads[key]
                    p += v
        """),
    _v("Momentum", "params replaced by new arrays instead of updated in place",
       _momentum("Momentum", "v *= self.momentum\nv -= self.lr * g\nparams[key] = p + v")),
    _v("Momentum", "p moved with the old velocity, before v is updated",
       _momentum("Momentum", "p += v\nv *= self.momentum\nv -= self.lr * g")),
    _v("Momentum", "velocities created at the first step only (a key appearing later fails)", """
        class Momentum:
            def __init__(self, lr, momentum=0.9):
                self.lr = lr
                self.momentum = momentum
                self.velocity = None

            def step(self, params, grads):
                if self.velocity is None:
                    self.velocity = {key: np.zeros_like(p) for key, p in params.items()}
                for key, p in params.items():
                    self.velocity[key] = self.momentum * self.velocity[key] - self.lr * grads[key]
                    p += self.velocity[key]
        """),
    # ---- Nesterov -----------------------------------------------------------------------------
    _v("Nesterov", "heavy ball instead of the look-ahead: p += v",
       _momentum("Nesterov", "v *= self.momentum\nv -= self.lr * g\np += v")),
    _v("Nesterov", "look-ahead without the gradient term: p += μ v",
       _momentum("Nesterov", "v *= self.momentum\nv -= self.lr * g\np += self.momentum * v")),
    _v("Nesterov", "velocity not kept between steps", """
        class Nesterov:
            def __init__(self, lr, momentum=0.9):
                self.lr = lr
                self.momentum = momentum

            def step(self, params, grads):
                for key, p in params.items():
                    v = -self.lr * grads[key]
                    p += self.momentum * v - self.lr * grads[key]
        """),
    _v("Nesterov", "params replaced by new arrays instead of updated in place",
       _momentum("Nesterov", "v *= self.momentum\nv -= self.lr * g\n"
                             "params[key] = p + self.momentum * v - self.lr * g")),
    # ---- AdaGrad ------------------------------------------------------------------------------
    _v("AdaGrad", "no square root: p -= lr g / (G + eps)",
       _adaptive("AdaGrad", "lr, eps=1e-8", "acc += g * g\np -= self.lr * g / (acc + self.eps)")),
    _v("AdaGrad", "G not accumulated: G = g² at every step",
       _adaptive("AdaGrad", "lr, eps=1e-8", "acc[...] = g * g\np -= self.lr * g / (np.sqrt(acc) + self.eps)")),
    _v("AdaGrad", "eps left out: 0 / 0 for a zero gradient",
       _adaptive("AdaGrad", "lr, eps=1e-8", "acc += g * g\np -= self.lr * g / np.sqrt(acc)")),
    _v("AdaGrad", "one sum of squares shared by every key", """
        class AdaGrad:
            def __init__(self, lr, eps=1e-8):
                self.lr = lr
                self.eps = eps
                self.G = 0.0

            def step(self, params, grads):
                for key, p in params.items():
                    self.G = self.G + grads[key] ** 2
                    p -= self.lr * grads[key] / (np.sqrt(self.G) + self.eps)
        """),
    # ---- RMSProp ------------------------------------------------------------------------------
    _v("RMSProp", "without (1 − ρ): s = ρ s + g²",
       _adaptive("RMSProp", "lr, rho=0.9, eps=1e-8",
                 "acc *= self.rho\nacc += g * g\np -= self.lr * g / (np.sqrt(acc) + self.eps)")),
    _v("RMSProp", "ρ and 1 − ρ swapped: s = (1 − ρ) s + ρ g²",
       _adaptive("RMSProp", "lr, rho=0.9, eps=1e-8",
                 "acc *= 1 - self.rho\nacc += self.rho * g * g\np -= self.lr * g / (np.sqrt(acc) + self.eps)")),
    _v("RMSProp", "no square root: p -= lr g / (s + eps)",
       _adaptive("RMSProp", "lr, rho=0.9, eps=1e-8",
                 "acc *= self.rho\nacc += (1 - self.rho) * g * g\np -= self.lr * g / (acc + self.eps)")),
    # ---- Adam ---------------------------------------------------------------------------------
    _v("Adam", "no bias correction", _adam("""
        p -= self.lr * self.m[key] / (np.sqrt(self.v[key]) + self.eps)
        """)),
    _v("Adam", "t off by one: t starts at 1 before the first increment", _adam("""
        m_hat = self.m[key] / (1 - b1 ** t)
        v_hat = self.v[key] / (1 - b2 ** t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        """, counter_start=1)),
    _v("Adam", "t off by one: corrected with t − 1 (t incremented after the update)", """
        class Adam:
            def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
                self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
                self.m, self.v, self.t = {}, {}, {}

            def step(self, params, grads):
                for key, p in params.items():
                    g = grads[key]
                    t = self.t.get(key, 0)
                    m = self.m[key] = self.beta1 * self.m.get(key, 0.0) + (1 - self.beta1) * g
                    v = self.v[key] = self.beta2 * self.v.get(key, 0.0) + (1 - self.beta2) * g ** 2
                    m_hat = m / (1 - self.beta1 ** t)
                    v_hat = v / (1 - self.beta2 ** t)
                    p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
                    self.t[key] = t + 1
        """),
    _v("Adam", "bias-corrected averages stored back into m and v", _adam("""
        self.m[key] = self.m[key] / (1 - b1 ** t)
        self.v[key] = self.v[key] / (1 - b2 ** t)
        p -= self.lr * self.m[key] / (np.sqrt(self.v[key]) + self.eps)
        """)),
    _v("Adam", "one step counter incremented once per key (advances by the number of keys)", """
        class Adam:
            def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
                self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
                self.m, self.v, self.t = {}, {}, 0

            def step(self, params, grads):
                for key, p in params.items():
                    g = grads[key]
                    self.t += 1
                    m = self.m[key] = self.beta1 * self.m.get(key, 0.0) + (1 - self.beta1) * g
                    v = self.v[key] = self.beta2 * self.v.get(key, 0.0) + (1 - self.beta2) * g * g
                    m_hat = m / (1 - self.beta1 ** self.t)
                    v_hat = v / (1 - self.beta2 ** self.t)
                    p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        """),
    _v("Adam", "params replaced by new arrays instead of updated in place", _adam("""
        m_hat = self.m[key] / (1 - b1 ** t)
        v_hat = self.v[key] / (1 - b2 ** t)
        params[key] = p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        """)),
    # ---- iterate_minibatches ------------------------------------------------------------------
    _v("iterate_minibatches", "drops the last, smaller batch", _minibatches("""
        n = len(X)
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n - batch_size + 1, batch_size):
            batch = order[start:start + batch_size]
            yield X[batch], y[batch]
        """)),
    _v("iterate_minibatches", "X and y shuffled with different permutations", _minibatches("""
        n = len(X)
        if shuffle:
            X, y = X[rng.permutation(n)], y[rng.permutation(n)]
        for start in range(0, n, batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]
        """)),
    _v("iterate_minibatches", "never shuffles", _minibatches("""
        for start in range(0, len(X), batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]
        """)),
    _v("iterate_minibatches", "draws the order from the global np.random state", _minibatches("""
        n = len(X)
        order = np.random.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            yield X[batch], y[batch]
        """)),
    _v("iterate_minibatches", "shuffles X and y themselves, in place", _minibatches("""
        n = len(X)
        if shuffle:
            order = rng.permutation(n)
            X[...] = X[order]
            y[...] = y[order]
        for start in range(0, n, batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]
        """)),
    _v("iterate_minibatches", "indices drawn with replacement (some samples twice, some never)", _minibatches("""
        n = len(X)
        order = rng.integers(0, n, size=n) if shuffle else np.arange(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            yield X[batch], y[batch]
        """)),
    # ---- ema ----------------------------------------------------------------------------------
    _v("ema", "started at zero: s[0] = (1 − β) values[0]", """
        def ema(values, beta):
            s = np.zeros(len(values))
            previous = 0.0
            for t, x in enumerate(values):
                previous = beta * previous + (1 - beta) * x
                s[t] = previous
            return s
        """),
    _v("ema", "without (1 − β): s[t] = β s[t−1] + values[t]", """
        def ema(values, beta):
            s = np.empty(len(values))
            s[0] = values[0]
            for t in range(1, len(values)):
                s[t] = beta * s[t - 1] + values[t]
            return s
        """),
    _v("ema", "β and 1 − β swapped", """
        def ema(values, beta):
            s = np.empty(len(values))
            s[0] = values[0]
            for t in range(1, len(values)):
                s[t] = (1 - beta) * s[t - 1] + beta * values[t]
            return s
        """),
    _v("ema", "averages in place, overwriting values", """
        def ema(values, beta):
            s = values
            for t in range(1, len(s)):
                s[t] = beta * s[t - 1] + (1 - beta) * s[t]
            return s
        """),
    # ---- step_decay ---------------------------------------------------------------------------
    _v("step_decay", "float division: drop ** (epoch / every)", """
        def step_decay(lr0, epoch, drop=0.5, every=10):
            return lr0 * drop ** (epoch / every)
        """),
    _v("step_decay", "rounds epoch / every instead of flooring it", """
        def step_decay(lr0, epoch, drop=0.5, every=10):
            return lr0 * drop ** round(epoch / every)
        """),
    _v("step_decay", "counts epochs from 1: drop ** ((epoch + 1) // every)", """
        def step_decay(lr0, epoch, drop=0.5, every=10):
            return lr0 * drop ** ((epoch + 1) // every)
        """),
    # ---- cosine_decay -------------------------------------------------------------------------
    _v("cosine_decay", "cos(π epoch), not divided by total_epochs", """
        def cosine_decay(lr0, epoch, total_epochs, lr_min=0.0):
            return lr_min + (lr0 - lr_min) * (1 + np.cos(np.pi * epoch)) / 2
        """),
    _v("cosine_decay", "lr_min ignored", """
        def cosine_decay(lr0, epoch, total_epochs, lr_min=0.0):
            return lr0 * (1 + np.cos(np.pi * epoch / total_epochs)) / 2
        """),
    _v("cosine_decay", "lr_min added but not subtracted from lr0", """
        def cosine_decay(lr0, epoch, total_epochs, lr_min=0.0):
            return lr_min + lr0 * (1 + np.cos(np.pi * epoch / total_epochs)) / 2
        """),
    _v("cosine_decay", "missing the factor 1/2", """
        def cosine_decay(lr0, epoch, total_epochs, lr_min=0.0):
            return lr_min + (lr0 - lr_min) * (1 + np.cos(np.pi * epoch / total_epochs))
        """),
    # ---- kinds of issue 16: instances, optional arguments, attributes read at every step ----------
    _v("Momentum", "velocities kept in a class attribute: shared by every Momentum",
       _momentum("Momentum", """
           v *= self.momentum
           v -= self.lr * g
           p += v
           """, init="").replace("class Momentum:\n", "class Momentum:\n            velocity = {}\n\n")),
    _v("Momentum", "the learning rate copied in __init__: a schedule setting opt.lr has no effect",
       _momentum("Momentum", """
           v *= self.momentum
           v -= self.rate * g
           p += v
           """, init="self.velocity, self.rate = {}, lr")),
    _v("Nesterov", "velocities stored by position (the order of the keys), not by key", """
        class Nesterov:
            def __init__(self, lr, momentum=0.9):
                self.lr = lr
                self.momentum = momentum
                self.velocities = []

            def step(self, params, grads):
                for i, (key, p) in enumerate(params.items()):
                    if i == len(self.velocities):
                        self.velocities.append(np.zeros_like(p))
                    v = self.velocities[i]
                    v *= self.momentum
                    v -= self.lr * grads[key]
                    p += self.momentum * v - self.lr * grads[key]
        """),
    _v("Nesterov", "the learning rate copied in __init__: a schedule setting opt.lr has no effect",
       _momentum("Nesterov", """
           v *= self.momentum
           v -= self.rate * g
           p += self.momentum * v - self.rate * g
           """, init="self.velocity, self.rate = {}, lr")),
    _v("AdaGrad", "eps hard-coded: the eps argument ignored", _adaptive("AdaGrad", "lr, eps=1e-8", """
        acc += g ** 2
        p -= self.lr * g / (np.sqrt(acc) + 1e-8)
        """)),
    _v("AdaGrad", "the learning rate copied in __init__: a schedule setting opt.lr has no effect",
       _adaptive("AdaGrad", "lr, eps=1e-8", """
        acc += g ** 2
        p -= self.initial_lr * g / (np.sqrt(acc) + self.eps)
        """).replace("self.acc = {}", "self.acc, self.initial_lr = {}, lr")),
    _v("AdaGrad", "sums of squares kept in a class attribute: shared by every AdaGrad", _adaptive(
        "AdaGrad", "lr, eps=1e-8", """
        acc += g ** 2
        p -= self.lr * g / (np.sqrt(acc) + self.eps)
        """).replace("                self.acc = {}\n", "").replace(
        "class AdaGrad:\n", "class AdaGrad:\n            acc = {}\n\n")),
    _v("RMSProp", "eps inside the square root: sqrt(s + eps)", _adaptive("RMSProp", "lr, rho=0.9, eps=1e-8", """
        acc *= self.rho
        acc += (1 - self.rho) * g ** 2
        p -= self.lr * g / np.sqrt(acc + self.eps)
        """)),
    _v("RMSProp", "the learning rate copied in __init__: a schedule setting opt.lr has no effect",
       _adaptive("RMSProp", "lr, rho=0.9, eps=1e-8", """
        acc *= self.rho
        acc += (1 - self.rho) * g ** 2
        p -= self.initial_lr * g / (np.sqrt(acc) + self.eps)
        """).replace("self.acc = {}", "self.acc, self.initial_lr = {}, lr")),
    _v("Adam", "eps hard-coded: the eps argument ignored", _adam("""
        m_hat = self.m[key] / (1 - b1 ** t)
        v_hat = self.v[key] / (1 - b2 ** t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        """)),
    _v("Adam", "eps inside the square root: sqrt(v_hat + eps)", _adam("""
        m_hat = self.m[key] / (1 - b1 ** t)
        v_hat = self.v[key] / (1 - b2 ** t)
        p -= self.lr * m_hat / np.sqrt(v_hat + self.eps)
        """)),
    _v("Adam", "the learning rate copied in __init__: a schedule setting opt.lr has no effect", _adam("""
        m_hat = self.m[key] / (1 - b1 ** t)
        v_hat = self.v[key] / (1 - b2 ** t)
        p -= self.alpha * m_hat / (np.sqrt(v_hat) + self.eps)
        """).replace("self.m, self.v, self.t = {}, {}, {}", "self.m, self.v, self.t, self.alpha = {}, {}, {}, lr")),
    _v("Adam", "moments and step counts kept in class attributes: shared by every Adam", _adam("""
        m_hat = self.m[key] / (1 - b1 ** t)
        v_hat = self.v[key] / (1 - b2 ** t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        """).replace("                self.m, self.v, self.t = {}, {}, {}\n", "").replace(
        "class Adam:\n", "class Adam:\n            m, v, t = {}, {}, {}\n\n")),
    _v("SGD", "params and grads paired by position (zip of the values), not by key", """
        class SGD:
            def __init__(self, lr):
                self.lr = lr

            def step(self, params, grads):
                for p, g in zip(params.values(), grads.values()):
                    p -= self.lr * g
        """),
    _v("ema", "the output array made with np.empty_like(values): ints stay ints", """
        def ema(values, beta):
            s = np.empty_like(values)
            s[0] = values[0]
            for t in range(1, len(values)):
                s[t] = beta * s[t - 1] + (1 - beta) * values[t]
            return s
        """),
    _v("Adam", "the default learning rate changed to 0.01", _adam("""
        m_hat = self.m[key] / (1 - b1 ** t)
        v_hat = self.v[key] / (1 - b2 ** t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        """).replace("lr=1e-3", "lr=1e-2")),
    _v("iterate_minibatches", "rng=None seeds the same generator at every call (one order for ever)",
       _minibatches("""
        n = len(X)
        rng = np.random.default_rng(0) if rng is None else rng
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            yield X[batch], y[batch]
        """)),
    _v("iterate_minibatches", "shuffles only when an rng is given (rng=None keeps the order)", _minibatches("""
        n = len(X)
        order = rng.permutation(n) if shuffle and rng is not None else np.arange(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            yield X[batch], y[batch]
        """)),
]

RIGHT = [
    # ---- SGD ----------------------------------------------------------------------------------
    _v("SGD", "np.subtract(p, lr * g, out=p)", """
        class SGD:
            def __init__(self, lr):
                self.lr = lr

            def step(self, params, grads):
                for key in params:
                    np.subtract(params[key], self.lr * grads[key], out=params[key])
        """),
    # ---- Momentum -----------------------------------------------------------------------------
    _v("Momentum", "PyTorch's form: buf = μ buf + g, p -= lr buf",
       _momentum("Momentum", "v *= self.momentum\nv += g\np -= self.lr * v")),
    _v("Momentum", "velocities rebound in a dict (not updated in place)", """
        class Momentum:
            def __init__(self, lr, momentum=0.9):
                self.lr = lr
                self.momentum = momentum
                self.v = {}

            def step(self, params, grads):
                for name in params:
                    velocity = self.momentum * self.v.get(name, 0.0) - self.lr * grads[name]
                    self.v[name] = velocity
                    params[name] += velocity
        """),
    # ---- Nesterov -----------------------------------------------------------------------------
    _v("Nesterov", "PyTorch's form: buf = μ buf + g, p -= lr (g + μ buf)",
       _momentum("Nesterov", "v *= self.momentum\nv += g\np -= self.lr * (g + self.momentum * v)")),
    _v("Nesterov", "CS231n's form: p += −μ v_prev + (1 + μ) v",
       _momentum("Nesterov", "v_prev = v.copy()\nv *= self.momentum\nv -= self.lr * g\n"
                             "p += -self.momentum * v_prev + (1 + self.momentum) * v")),
    # ---- AdaGrad ------------------------------------------------------------------------------
    _v("AdaGrad", "np.square and a new array per step",
       _adaptive("AdaGrad", "lr, eps=1e-8",
                 "self.acc[key] = acc + np.square(g)\n"
                 "p -= self.lr * g / (np.sqrt(self.acc[key]) + self.eps)")),
    # ---- RMSProp ------------------------------------------------------------------------------
    _v("RMSProp", "the average moved towards g²: s += (1 − ρ)(g² − s)",
       _adaptive("RMSProp", "lr, rho=0.9, eps=1e-8",
                 "acc += (1 - self.rho) * (g ** 2 - acc)\np -= self.lr * g / (np.sqrt(acc) + self.eps)")),
    # ---- Adam ---------------------------------------------------------------------------------
    _v("Adam", "bias correction folded into the step size exactly (eps scaled)", _adam("""
        lr_t = self.lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        p -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + self.eps * np.sqrt(1 - b2 ** t))
        """)),
    _v("Adam", "the paper's folded form with an unscaled eps (differs by O(eps))", _adam("""
        lr_t = self.lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        p -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + self.eps)
        """)),
    _v("Adam", "one step counter for the whole optimiser, incremented once per step (PyTorch keeps one per key)", """
        class Adam:
            def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
                self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
                self.m, self.v, self.t = {}, {}, 0

            def step(self, params, grads):
                self.t += 1
                for key, p in params.items():
                    g = grads[key]
                    m = self.m[key] = self.beta1 * self.m.get(key, 0.0) + (1 - self.beta1) * g
                    v = self.v[key] = self.beta2 * self.v.get(key, 0.0) + (1 - self.beta2) * g * g
                    m_hat = m / (1 - self.beta1 ** self.t)
                    v_hat = v / (1 - self.beta2 ** self.t)
                    p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        """),
    # ---- iterate_minibatches ------------------------------------------------------------------
    _v("iterate_minibatches", "rng.shuffle of an index array, batches counted with ceil", _minibatches("""
        n = X.shape[0]
        indices = np.arange(n)
        if shuffle:
            if rng is None:
                rng = np.random.default_rng()
            rng.shuffle(indices)
        for b in range(int(np.ceil(n / batch_size))):
            chosen = indices[b * batch_size:(b + 1) * batch_size]
            yield X[chosen], y[chosen]
        """)),
    _v("iterate_minibatches", "returns a list of batches (shuffled copies sliced)", _minibatches("""
        order = (rng or np.random.default_rng()).permutation(len(X)) if shuffle else np.arange(len(X))
        X_order, y_order = X[order], y[order]
        return [(X_order[i:i + batch_size], y_order[i:i + batch_size]) for i in range(0, len(X), batch_size)]
        """)),
    # ---- ema ----------------------------------------------------------------------------------
    _v("ema", "scipy.signal.lfilter with an initial condition (vectorised recursion)", """
        from scipy.signal import lfilter

        def ema(values, beta):
            values = np.asarray(values, dtype=float)
            smoothed, _ = lfilter([1 - beta], [1, -beta], values, zi=[beta * values[0]])
            return smoothed
        """),
    _v("ema", "a Python list grown in a loop", """
        def ema(values, beta):
            out = [values[0]]
            for x in values[1:]:
                out.append(beta * out[-1] + (1 - beta) * x)
            return np.array(out, dtype=np.float64)
        """),
    # ---- step_decay ---------------------------------------------------------------------------
    _v("step_decay", "math.floor of the float ratio", """
        import math

        def step_decay(lr0, epoch, drop=0.5, every=10):
            return lr0 * math.pow(drop, math.floor(epoch / every))
        """),
    # ---- cosine_decay -------------------------------------------------------------------------
    _v("cosine_decay", "math.cos, written as lr0 − (lr0 − lr_min)(1 − cos)/2", """
        import math

        def cosine_decay(lr0, epoch, total_epochs, lr_min=0.0):
            progress = epoch / total_epochs
            return lr0 - (lr0 - lr_min) * (1 - math.cos(math.pi * progress)) / 2
        """),
    _v("iterate_minibatches", "order drawn by rng.choice(n, n, replace=False), batches by np.array_split",
       _minibatches("""
        n = len(X)
        if shuffle:
            order = (rng if rng is not None else np.random.default_rng()).choice(n, n, replace=False)
        else:
            order = np.arange(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            yield X[batch], y[batch]
        """)),
    _v("cosine_decay", "clamped at lr_min past total_epochs (np.clip of the progress)", """
        def cosine_decay(lr0, epoch, total_epochs, lr_min=0.0):
            progress = np.clip(epoch / total_epochs, 0.0, 1.0)
            return float(lr_min + (lr0 - lr_min) * (1.0 + np.cos(np.pi * progress)) / 2.0)
        """),
]
