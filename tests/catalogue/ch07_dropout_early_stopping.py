"""Chapter 7 catalogue: realistic mistakes (WRONG) and right-but-different answers (RIGHT).

Each variant's ``code`` is the whole new source of the answer cell ``answer`` of
``source/ch07_dropout_early_stopping/ch07_dropout_early_stopping.ipynb`` (for a class: the
whole class). Every WRONG variant loses points in ``test_<answer>_visible`` or
``test_<answer>_hidden``; every RIGHT variant keeps every autograded point of the notebook.
"""
from textwrap import dedent

from . import Variant


def _v(answer: str, name: str, code: str) -> Variant:
    return Variant(answer=answer, name=name, code=dedent(code).strip() + "\n")


def _dropout(check: str = "if not 0.0 <= p < 1.0:\n                    raise ValueError(p)",
             mask: str = "(self.rng.random(x.shape) >= self.p) / (1.0 - self.p)",
             forward: str = "x * self.mask", eval_forward: str = "x",
             backward: str = "dout * self.mask") -> str:
    """A Dropout layer with one piece swapped (the rest as in the model answer)."""
    return f"""
        class Dropout(Module):
            def __init__(self, p, rng):
                super().__init__()
                {check}
                self.p, self.rng = p, rng

            def forward(self, x):
                if not self.training:
                    return {eval_forward}
                self.mask = {mask}
                return {forward}

            def backward(self, dout):
                if not self.training:
                    return dout
                return {backward}
        """


def _split(sizes: str = "round(n * val_fraction), round(n * test_fraction)",
           order: str = "rng.permutation(n)",
           parts: str = "order[:n_val], order[n_val:n_val + n_test], order[n_val + n_test:]",
           returned: str = "X[train], y[train], X[val], y[val], X[test], y[test]") -> str:
    """A train_val_test_split with one piece swapped."""
    return f"""
        def train_val_test_split(X, y, val_fraction, test_fraction, rng):
            n = len(X)
            n_val, n_test = {sizes}
            order = {order}
            val, test, train = {parts}
            return {returned}
        """


def _stopping(improved: str = "val_loss < self.best_loss - self.min_delta",
              epoch: str = "self.calls", copy: str = "{k: v.copy() for k, v in params.items()}",
              on_worse: str = "self.without += 1", stop: str = "self.without >= self.patience",
              reset: str = "self.without = 0") -> str:
    """An EarlyStopping with one piece swapped."""
    return f"""
        class EarlyStopping:
            def __init__(self, patience=5, min_delta=0.0):
                self.patience, self.min_delta = patience, min_delta
                self.best_loss, self.best_epoch, self.best_params = np.inf, -1, None
                self.calls, self.without = 0, 0

            def step(self, val_loss, params):
                if {improved}:
                    self.best_loss, self.best_epoch = val_loss, {epoch}
                    self.best_params = {copy}
                    {reset}
                else:
                    {on_worse}
                self.calls += 1
                return {stop}
        """


def _l2(value: str = "0.5 * lam * np.sum(p ** 2)", grad: str = "lam * p",
        penalised: str = 'key.endswith("W")', other: str = "np.zeros_like(p)") -> str:
    """An l2_penalty with one piece swapped."""
    return f"""
        def l2_penalty(params, lam):
            penalty, grads = 0.0, {{}}
            for key, p in params.items():
                if {penalised}:
                    penalty += {value}
                    grads[key] = {grad}
                else:
                    grads[key] = {other}
            return float(penalty), grads
        """


WRONG = [
    # ---- Dropout ------------------------------------------------------------------------------
    _v("Dropout", "kept units not rescaled (no 1/(1−p))",
       _dropout(mask="(self.rng.random(x.shape) >= self.p).astype(float)")),
    _v("Dropout", "kept units rescaled by 1/p instead of 1/(1−p)",
       _dropout(mask="(self.rng.random(x.shape) >= self.p) / self.p")),
    _v("Dropout", "p used as the keep probability",
       _dropout(mask="(self.rng.random(x.shape) < self.p) / self.p")),
    _v("Dropout", "still dropping in eval mode (self.training ignored)", """
        class Dropout(Module):
            def __init__(self, p, rng):
                super().__init__()
                if not 0.0 <= p < 1.0:
                    raise ValueError(p)
                self.p, self.rng = p, rng

            def forward(self, x):
                self.mask = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
                return x * self.mask

            def backward(self, dout):
                return dout * self.mask
        """),
    _v("Dropout", "eval mode multiplies by 1 − p (old-style scaling on top of inverted dropout)",
       _dropout(eval_forward="x * (1.0 - self.p)")),
    _v("Dropout", "backward draws a fresh mask",
       _dropout(backward="dout * (self.rng.random(dout.shape) >= self.p) / (1.0 - self.p)")),
    _v("Dropout", "no ValueError for p = 1 (or any p)", _dropout(check="pass")),
    _v("Dropout", "ValueError for p = 0 too (0 < p < 1)",
       _dropout(check="if not 0.0 < p < 1.0:\n                    raise ValueError(p)")),
    _v("Dropout", "one mask per feature, shared by the whole batch",
       _dropout(mask="(self.rng.random(x.shape[-1]) >= self.p) / (1.0 - self.p)")),
    _v("Dropout", "one mask per sample (whole rows dropped)",
       _dropout(mask="(self.rng.random((x.shape[0], 1)) >= self.p) / (1.0 - self.p)")),
    _v("Dropout", "forward zeroes the input in place",
       _dropout(forward="np.multiply(x, self.mask, out=x)")),
    # ---- train_val_test_split -----------------------------------------------------------------
    _v("train_val_test_split", "sizes with int() instead of round()",
       _split(sizes="int(n * val_fraction), int(n * test_fraction)")),
    _v("train_val_test_split", "validation and test drawn independently: they overlap", """
        def train_val_test_split(X, y, val_fraction, test_fraction, rng):
            n = len(X)
            n_val, n_test = round(n * val_fraction), round(n * test_fraction)
            val = rng.choice(n, size=n_val, replace=False)
            test = rng.choice(n, size=n_test, replace=False)
            train = np.setdiff1d(np.arange(n), np.concatenate([val, test]))
            return X[train], y[train], X[val], y[val], X[test], y[test]
        """),
    _v("train_val_test_split", "not shuffled: consecutive blocks of rows", _split(order="np.arange(n)")),
    _v("train_val_test_split", "X and y shuffled with two different permutations", """
        def train_val_test_split(X, y, val_fraction, test_fraction, rng):
            n = len(X)
            n_val, n_test = round(n * val_fraction), round(n * test_fraction)
            X_shuffled, y_shuffled = X[rng.permutation(n)], y[rng.permutation(n)]
            a, b = n_val, n_val + n_test
            return X_shuffled[b:], y_shuffled[b:], X_shuffled[:a], y_shuffled[:a], X_shuffled[a:b], y_shuffled[a:b]
        """),
    _v("train_val_test_split", "shuffled with the global np.random state, not rng",
       _split(order="np.random.permutation(n)")),
    _v("train_val_test_split", "shuffles the caller's X and y in place", """
        def train_val_test_split(X, y, val_fraction, test_fraction, rng):
            n = len(X)
            n_val, n_test = round(n * val_fraction), round(n * test_fraction)
            order = rng.permutation(n)
            X[...], y[...] = X[order], y[order]
            return (X[n_val + n_test:], y[n_val + n_test:], X[:n_val], y[:n_val],
                    X[n_val:n_val + n_test], y[n_val:n_val + n_test])
        """),
    # ---- EarlyStopping ------------------------------------------------------------------------
    _v("EarlyStopping", "the counter is never reset by an improvement", _stopping(reset="pass")),
    _v("EarlyStopping", "best_params keeps the live dict (no copy)", _stopping(copy="params")),
    _v("EarlyStopping", "best_params a shallow copy of the dict: the same arrays", _stopping(copy="dict(params)")),
    _v("EarlyStopping", "min_delta ignored", _stopping(improved="val_loss < self.best_loss")),
    _v("EarlyStopping", "<= instead of <: an equal loss counts as an improvement",
       _stopping(improved="val_loss <= self.best_loss - self.min_delta")),
    _v("EarlyStopping", "best_epoch counted from 1", _stopping(epoch="self.calls + 1")),
    _v("EarlyStopping", "stops one call late (> patience)", _stopping(stop="self.without > self.patience")),
    _v("EarlyStopping", "stops only after a call without improvement: patience=0 does not stop at once",
       _stopping(stop="self.without > 0 and self.without >= self.patience")),
    # ---- l2_penalty ---------------------------------------------------------------------------
    _v("l2_penalty", "biases penalised too", _l2(penalised="True")),
    _v("l2_penalty", "penalty without the 1/2", _l2(value="lam * np.sum(p ** 2)")),
    _v("l2_penalty", "gradient 2·lam·W", _l2(grad="2.0 * lam * p")),
    _v("l2_penalty", 'only the key "W" itself penalised (misses "0.W")', _l2(penalised='key == "W"')),
    _v("l2_penalty", "no gradient entries for the biases", """
        def l2_penalty(params, lam):
            weights = {k: p for k, p in params.items() if k.endswith("W")}
            penalty = 0.5 * lam * sum(np.sum(W ** 2) for W in weights.values())
            return float(penalty), {k: lam * W for k, W in weights.items()}
        """),
    _v("l2_penalty", "gradients computed by scaling the weights in place", """
        def l2_penalty(params, lam):
            penalty, grads = 0.0, {}
            for key, p in params.items():
                if key.endswith("W"):
                    penalty += 0.5 * lam * np.sum(p ** 2)
                    p *= lam
                    grads[key] = p
                else:
                    grads[key] = np.zeros_like(p)
            return float(penalty), grads
        """),
    # ---- kinds of issue 16: several instances, inputs of other shapes, scales, calls in a row -----
    _v("Dropout", "the mask kept on the class: two Dropout layers share the last one drawn",
       _dropout().replace("self.mask", "Dropout.mask")),
    _v("Dropout", "the mask drawn for (n, d) inputs only (n, d = x.shape)",
       _dropout(mask="(self.rng.random((x.shape[0], x.shape[-1])) >= self.p) / (1.0 - self.p)")),
    _v("Dropout", "backward rebuilds the mask from the cached output (out != 0)",
       _dropout(mask="x * (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)", forward="self.mask",
                backward="np.where(self.mask != 0, dout / (1.0 - self.p), 0.0)")),
    _v("EarlyStopping", "min_delta taken as relative: val_loss < best_loss · (1 − min_delta)",
       _stopping(improved="val_loss < self.best_loss * (1 - self.min_delta)")),
    _v("EarlyStopping", "best parameters kept in a dict on the class: shared by every EarlyStopping",
       _stopping(copy="self.best_params").replace(
           "self.best_params = self.best_params",
           "self.best_params.update({k: v.copy() for k, v in params.items()})").replace(
           "np.inf, -1, None", "np.inf, -1, EarlyStopping.shared").replace(
           "class EarlyStopping:\n", "class EarlyStopping:\n            shared = {}\n\n")),
    _v("l2_penalty", "one gradient dict reused (and returned) by every call", """
        _grads = {}


        def l2_penalty(params, lam):
            penalty = 0.0
            _grads.clear()
            for key, p in params.items():
                if key.endswith("W"):
                    penalty += 0.5 * lam * np.sum(p ** 2)
                    _grads[key] = lam * p
                else:
                    _grads[key] = np.zeros_like(p)
            return float(penalty), _grads
        """),
    _v("train_val_test_split", "training size rounded, test the rest: n_test = n − round(n·(1 − v − t)) − n_val",
       _split(sizes="round(n * val_fraction), n - round(n * (1 - val_fraction - test_fraction)) - round(n * val_fraction)")),
]


RIGHT = [
    # ---- Dropout ------------------------------------------------------------------------------
    _v("Dropout", "mask from rng.binomial(1, 1 − p), scaled in both passes", """
        class Dropout(Module):
            def __init__(self, p, rng):
                super().__init__()
                if p < 0 or p >= 1:
                    raise ValueError("p must be in [0, 1)")
                self.p = p
                self.rng = rng

            def forward(self, x):
                if not self.training:
                    return x.copy()
                self.keep = self.rng.binomial(1, 1 - self.p, size=x.shape)
                return x * self.keep / (1 - self.p)

            def backward(self, dout):
                if not self.training:
                    return dout.copy()
                return dout * self.keep / (1 - self.p)
        """),
    _v("Dropout", "mask from rng.uniform(size) < 1 − p, np.where, p = 0 shortcut", """
        class Dropout(Module):
            def __init__(self, p, rng):
                super().__init__()
                if not (0 <= p < 1):
                    raise ValueError(f"bad p {p}")
                self.p, self.rng, self.kept = p, rng, None

            def forward(self, x):
                if not self.training or self.p == 0:
                    self.kept = None
                    return x
                self.kept = self.rng.uniform(size=x.shape) < 1 - self.p
                return np.where(self.kept, x / (1 - self.p), 0.0)

            def backward(self, dout):
                if self.kept is None or not self.training:
                    return dout
                return np.where(self.kept, dout / (1 - self.p), 0.0)
        """),
    # ---- train_val_test_split -----------------------------------------------------------------
    _v("train_val_test_split", "rng.shuffle of an index array, training rows first",
       """
        def train_val_test_split(X, y, val_fraction, test_fraction, rng):
            n = X.shape[0]
            n_val = int(np.round(n * val_fraction))
            n_test = int(np.round(n * test_fraction))
            idx = np.arange(n)
            rng.shuffle(idx)
            n_train = n - n_val - n_test
            tr, va, te = np.split(idx, [n_train, n_train + n_val])
            return X[tr], y[tr], X[va], y[va], X[te], y[te]
        """),
    _v("train_val_test_split", "indices sorted within the validation and test parts",
       _split(returned="X[train], y[train], X[val], y[val], X[test], y[test]",
              parts="np.sort(order[:n_val]), np.sort(order[n_val:n_val + n_test]), "
                    "order[n_val + n_test:]")),
    # ---- EarlyStopping ------------------------------------------------------------------------
    _v("EarlyStopping", "copy.deepcopy, best_loss None before the first call, a counter of epochs "
       "(no early return: patience=0 stops at the first call)", """
        import copy

        class EarlyStopping:
            def __init__(self, patience=5, min_delta=0.0):
                self.patience = patience
                self.min_delta = min_delta
                self.best_loss = None
                self.best_epoch = None
                self.best_params = None
                self.epoch = -1
                self.bad_epochs = 0

            def step(self, val_loss, params):
                self.epoch += 1
                if self.best_loss is None or self.best_loss - val_loss > self.min_delta:
                    self.best_loss = val_loss
                    self.best_epoch = self.epoch
                    self.best_params = copy.deepcopy(params)
                    self.bad_epochs = 0
                else:
                    self.bad_epochs += 1
                return self.bad_epochs >= self.patience
        """),
    _v("EarlyStopping", "np.array(v, copy=True), the last improving epoch kept instead of a counter", """
        class EarlyStopping:
            def __init__(self, patience=5, min_delta=0.0):
                self.patience, self.min_delta = patience, min_delta
                self.best_loss, self.best_epoch, self.best_params = float("inf"), 0, {}
                self.history = []

            def step(self, val_loss, params):
                epoch = len(self.history)
                self.history.append(val_loss)
                if val_loss + self.min_delta < self.best_loss or epoch == 0:
                    self.best_loss, self.best_epoch = val_loss, epoch
                    self.best_params = {name: np.array(value, copy=True) for name, value in params.items()}
                return epoch - self.best_epoch >= self.patience
        """),
    # ---- l2_penalty ---------------------------------------------------------------------------
    _v("l2_penalty", "np.linalg.norm squared, dict comprehensions", """
        def l2_penalty(params, lam):
            weight_keys = [k for k in params if k[-1] == "W"]
            penalty = lam / 2 * sum(np.linalg.norm(params[k]) ** 2 for k in weight_keys)
            grads = {k: (lam * v if k in weight_keys else 0.0 * v) for k, v in params.items()}
            return penalty, grads
        """),
    _v("l2_penalty", "np.vdot of the flattened weights", """
        def l2_penalty(params, lam):
            total = 0.0
            grads = {}
            for name, value in params.items():
                if name.endswith("W"):
                    flat = value.ravel()
                    total += np.vdot(flat, flat)
                    grads[name] = lam * value
                else:
                    grads[name] = np.zeros(value.shape)
            return 0.5 * lam * total, grads
        """),
    _v("train_val_test_split", "test rows first, then validation, then training; sizes rounded half up",
       _split(sizes="int(n * val_fraction + 0.5), int(n * test_fraction + 0.5)",
              parts="order[n_test:n_test + n_val], order[:n_test], order[n_test + n_val:]")),
    _v("EarlyStopping", "True only at the call that exhausts the patience, None placeholders before the first call",
       _stopping(stop="self.without == self.patience").replace(
           "np.inf, -1, None", "np.inf, None, None")),
]
