"""Chapter 5 catalogue: realistic mistakes (WRONG) and right-but-different answers (RIGHT).

Each variant's ``code`` is the whole new source of the answer cell ``answer`` of
``source/ch05_activations_init/ch05_activations_init.ipynb``. Every WRONG variant loses
points in ``test_<answer>_visible`` or ``test_<answer>_hidden``; every RIGHT variant keeps
every autograded point of the notebook. The cells may use what the notebook defines before
them: ``sigmoid``, ``ACTIVATIONS``, ``forward_pass``, ``init_weights`` and chapter 4's layers.
"""
from textwrap import dedent, indent

from . import Variant


def _v(answer: str, name: str, code: str) -> Variant:
    return Variant(answer=answer, name=name, code=dedent(code).strip() + "\n")


def _init(body: str) -> str:
    """An init_weights whose body is ``body`` (indented by 4 spaces in the cell)."""
    return "def init_weights(fan_in, fan_out, scheme, rng):\n" + indent(dedent(body).strip("\n"), "    ") + "\n"


_STDS = '''
stds = {{"small": {small}, "lecun": {lecun}, "xavier": {xavier}, "he": {he}}}
if scheme == "zeros":
    return np.zeros((fan_in, fan_out))
if scheme not in stds:
    raise ValueError(scheme)
return stds[scheme] * rng.standard_normal((fan_in, fan_out))
'''
_RIGHT_STDS = dict(small="0.01", lecun="np.sqrt(1 / fan_in)", xavier="np.sqrt(2 / (fan_in + fan_out))",
                   he="np.sqrt(2 / fan_in)")


def _init_stds(**changed: str) -> str:
    """init_weights with a table of standard deviations, some of them changed."""
    return _init(_STDS.format(**(_RIGHT_STDS | changed)))


def _stats(draw_weight: str = "init_weights(width, width, scheme, rng)",
           layer: str = "A = f(A @ W)", row: str = "[A.mean(), A.std()]",
           first: str = "") -> str:
    """activation_stats written as a loop, with one piece swapped."""
    return f"""
        def activation_stats(depth, width, activation, scheme, rng, n_samples=1000):
            f = ACTIVATIONS[activation][0]
            A = rng.standard_normal((n_samples, width))
            rows = []{first}
            for _ in range(depth):
                W = {draw_weight}
                {layer}
                rows.append({row})
            return np.array(rows[:depth])
        """


def _norms(dA: str = "2.0 * (A[-1] - T) / T.size", dZ: str = "dA * f_grad(Z[l])",
           dW: str = "A[l].T @ dZ", norm: str = "np.linalg.norm(dW)", result: str = "norms",
           back: str = "dZ @ Ws[l].T") -> str:
    """gradient_norms written with explicit lists, with one piece swapped."""
    return f"""
        def gradient_norms(depth, width, activation, scheme, rng, n_samples=256):
            f, f_grad = ACTIVATIONS[activation]
            X = rng.standard_normal((n_samples, width))
            T = rng.standard_normal((n_samples, width))
            Ws = [init_weights(width, width, scheme, rng) for _ in range(depth)]
            A, Z = [X], []
            for W in Ws:
                Z.append(A[-1] @ W)
                A.append(f(Z[-1]))
            dA = {dA}
            norms = np.zeros(depth)
            for l in range(depth - 1, -1, -1):
                dZ = {dZ}
                dW = {dW}
                norms[l] = {norm}
                dA = {back}
            return {result}
        """


WRONG = [
    # ---- tanh ---------------------------------------------------------------------------------
    _v("tanh", "textbook (e^z − e^−z)/(e^z + e^−z): overflow and nan at |z| = 1000", """
        def tanh(z):
            return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
        """),
    _v("tanh", "(1 − e^−2z)/(1 + e^−2z) without |z|: overflow at z = −1000", """
        def tanh(z):
            e = np.exp(-2.0 * z)
            return (1.0 - e) / (1.0 + e)
        """),
    _v("tanh", "the sigmoid instead of tanh", """
        def tanh(z):
            return sigmoid(z)
        """),
    # ---- tanh_grad ----------------------------------------------------------------------------
    _v("tanh_grad", "1 − tanh(z), the square forgotten", """
        def tanh_grad(z):
            return 1.0 - np.tanh(z)
        """),
    _v("tanh_grad", "1 − z², the formula applied to the input instead of tanh(z)", """
        def tanh_grad(z):
            return 1.0 - z ** 2
        """),
    _v("tanh_grad", "1/cosh²(z): cosh overflows at |z| = 1000", """
        def tanh_grad(z):
            return 1.0 / np.cosh(z) ** 2
        """),
    # ---- sigmoid_grad -------------------------------------------------------------------------
    _v("sigmoid_grad", "naive e^−z/(1 + e^−z)²: overflow and nan at z = −1000", """
        def sigmoid_grad(z):
            e = np.exp(-z)
            return e / (1.0 + e) ** 2
        """),
    _v("sigmoid_grad", "z(1 − z), the formula applied to the input instead of σ(z)", """
        def sigmoid_grad(z):
            return z * (1.0 - z)
        """),
    _v("sigmoid_grad", "naive σ(z) = 1/(1 + e^−z) inside σ(1 − σ): overflow warning at z = −1000", """
        def sigmoid_grad(z):
            s = 1.0 / (1.0 + np.exp(-z))
            return s * (1.0 - s)
        """),
    # ---- relu ---------------------------------------------------------------------------------
    _v("relu", "np.max(z, 0): a maximum over axis 0, not entrywise", """
        def relu(z):
            return np.max(z, 0)
        """),
    _v("relu", "negative entries set to 0 in place: the input is modified", """
        def relu(z):
            z[z < 0] = 0.0
            return z
        """),
    _v("relu", "absolute value instead of max(z, 0)", """
        def relu(z):
            return np.abs(z)
        """),
    # ---- relu_grad ----------------------------------------------------------------------------
    _v("relu_grad", "derivative 1 at 0 (z >= 0)", """
        def relu_grad(z):
            return (z >= 0).astype(float)
        """),
    _v("relu_grad", "a boolean mask instead of floats", """
        def relu_grad(z):
            return z > 0
        """),
    _v("relu_grad", "np.sign(z): −1 for negative inputs", """
        def relu_grad(z):
            return np.sign(z)
        """),
    _v("relu_grad", "relu(z)/z: nan and a warning at 0", """
        def relu_grad(z):
            return np.maximum(z, 0.0) / z
        """),
    # ---- leaky_relu ---------------------------------------------------------------------------
    _v("leaky_relu", "the slope applied to the positive side", """
        def leaky_relu(z, alpha=0.01):
            return np.where(z > 0, alpha * z, z)
        """),
    _v("leaky_relu", "alpha ignored: always 0.01", """
        def leaky_relu(z, alpha=0.01):
            return np.where(z > 0, z, 0.01 * z)
        """),
    _v("leaky_relu", "negative entries scaled in place: the input is modified", """
        def leaky_relu(z, alpha=0.01):
            z[z < 0] *= alpha
            return z
        """),
    # ---- leaky_relu_grad ----------------------------------------------------------------------
    _v("leaky_relu_grad", "derivative 1 at 0 (z >= 0)", """
        def leaky_relu_grad(z, alpha=0.01):
            return np.where(z >= 0, 1.0, alpha)
        """),
    _v("leaky_relu_grad", "alpha ignored: always 0.01", """
        def leaky_relu_grad(z, alpha=0.01):
            return np.where(z > 0, 1.0, 0.01)
        """),
    _v("leaky_relu_grad", "ReLU's derivative: 0 on the negative side", """
        def leaky_relu_grad(z, alpha=0.01):
            return np.where(z > 0, 1.0, 0.0)
        """),
    # ---- gelu ---------------------------------------------------------------------------------
    _v("gelu", "the tanh approximation instead of the exact erf form", """
        def gelu(z):
            return 0.5 * z * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (z + 0.044715 * z ** 3)))
        """),
    _v("gelu", "the sigmoid approximation z σ(1.702 z)", """
        def gelu(z):
            return z * sigmoid(1.702 * z)
        """),
    _v("gelu", "erf(z) instead of erf(z/√2)", """
        def gelu(z):
            return 0.5 * z * (1.0 + erf(z))
        """),
    # ---- gelu_grad ----------------------------------------------------------------------------
    _v("gelu_grad", "Φ(z) only: the z φ(z) term of the product rule missing", """
        def gelu_grad(z):
            return 0.5 * (1.0 + erf(z / np.sqrt(2.0)))
        """),
    _v("gelu_grad", "φ without its 1/√(2π)", """
        def gelu_grad(z):
            return 0.5 * (1.0 + erf(z / np.sqrt(2.0))) + z * np.exp(-0.5 * z ** 2)
        """),
    _v("gelu_grad", "the derivative of the tanh approximation", """
        def gelu_grad(z):
            c = np.sqrt(2.0 / np.pi)
            t = np.tanh(c * (z + 0.044715 * z ** 3))
            return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t ** 2) * c * (1.0 + 3 * 0.044715 * z ** 2)
        """),
    # ---- init_weights -------------------------------------------------------------------------
    _v("init_weights", "variance used as the standard deviation (e.g. he with scale 2/fan_in)",
       _init_stds(small="0.01 ** 2", lecun="1 / fan_in", xavier="2 / (fan_in + fan_out)", he="2 / fan_in")),
    _v("init_weights", "he with standard deviation 2/fan_in, the others right", _init_stds(he="2 / fan_in")),
    _v("init_weights", "xavier with fan_in only (Caffe's 'xavier', LeCun's variance)",
       _init_stds(xavier="np.sqrt(1 / fan_in)")),
    _v("init_weights", "xavier as Glorot's uniform U[−a, a], a = √(6/(fan_in + fan_out))", _init(dedent("""
        if scheme == "xavier":
            limit = np.sqrt(6 / (fan_in + fan_out))
            return rng.uniform(-limit, limit, size=(fan_in, fan_out))
        """) + _STDS.format(**_RIGHT_STDS))),
    _v("init_weights", "lecun and he swapped", _init_stds(lecun="np.sqrt(2 / fan_in)", he="np.sqrt(1 / fan_in)")),
    _v("init_weights", "small with variance 0.01 (standard deviation 0.1)", _init_stds(small="0.1")),
    _v("init_weights", "no ValueError: an unknown scheme falls back to he", _init("""
        if scheme == "zeros":
            return np.zeros((fan_in, fan_out))
        if scheme == "small":
            std = 0.01
        elif scheme == "lecun":
            std = np.sqrt(1 / fan_in)
        elif scheme == "xavier":
            std = np.sqrt(2 / (fan_in + fan_out))
        else:
            std = np.sqrt(2 / fan_in)
        return std * rng.standard_normal((fan_in, fan_out))
        """)),
    _v("init_weights", "dictionary lookup: KeyError instead of ValueError on an unknown scheme", _init("""
        stds = {"zeros": 0.0, "small": 0.01, "lecun": np.sqrt(1 / fan_in),
                "xavier": np.sqrt(2 / (fan_in + fan_out)), "he": np.sqrt(2 / fan_in)}
        return stds[scheme] * rng.standard_normal((fan_in, fan_out))
        """)),
    _v("init_weights", "drawn from the global np.random state instead of rng", _init("""
        stds = {"small": 0.01, "lecun": np.sqrt(1 / fan_in), "xavier": np.sqrt(2 / (fan_in + fan_out)),
                "he": np.sqrt(2 / fan_in)}
        if scheme == "zeros":
            return np.zeros((fan_in, fan_out))
        if scheme not in stds:
            raise ValueError(scheme)
        return stds[scheme] * np.random.randn(fan_in, fan_out)
        """)),
    _v("init_weights", "PyTorch's layout (fan_out, fan_in)", _init("""
        stds = {"small": 0.01, "lecun": np.sqrt(1 / fan_in), "xavier": np.sqrt(2 / (fan_in + fan_out)),
                "he": np.sqrt(2 / fan_in)}
        if scheme == "zeros":
            return np.zeros((fan_out, fan_in))
        if scheme not in stds:
            raise ValueError(scheme)
        return stds[scheme] * rng.standard_normal((fan_out, fan_in))
        """)),
    # ---- activation_stats ---------------------------------------------------------------------
    _v("activation_stats", "random biases added to every layer",
       _stats(layer="A = f(A @ W + rng.standard_normal(width))")),
    _v("activation_stats", "statistics of the pre-activations Z instead of the activations",
       _stats(layer="Z = A @ W\n                A = f(Z)", row="[Z.mean(), Z.std()]")),
    _v("activation_stats", "the input counted as the first layer (rows shifted by one)",
       _stats(first="\n            rows.append([A.mean(), A.std()])")),
    _v("activation_stats", "no activation after the last layer (a linear output)", """
        def activation_stats(depth, width, activation, scheme, rng, n_samples=1000):
            f = ACTIVATIONS[activation][0]
            A = rng.standard_normal((n_samples, width))
            rows = []
            for l in range(depth):
                A = A @ init_weights(width, width, scheme, rng)
                if l < depth - 1:
                    A = f(A)
                rows.append([A.mean(), A.std()])
            return np.array(rows)
        """),
    _v("activation_stats", "std of each unit averaged, instead of the std over all entries",
       _stats(row="[A.mean(), A.std(axis=0).mean()]")),
    _v("activation_stats", "scheme ignored: always LeCun's variance (chapter 4's Linear)",
       _stats(draw_weight='init_weights(width, width, "lecun", rng)')),
    # ---- gradient_norms -----------------------------------------------------------------------
    _v("gradient_norms", "norms listed last layer first", _norms(result="norms[::-1]")),
    _v("gradient_norms", "the activation's derivative forgotten: dZ = dA", _norms(dZ="dA")),
    _v("gradient_norms", "the derivative taken at the activation A instead of the pre-activation Z",
       _norms(dZ="dA * f_grad(A[l + 1])")),
    _v("gradient_norms", "dL/dA averaged over the samples only: 2(A − T)/n", _norms(dA="2.0 * (A[-1] - T) / len(T)")),
    _v("gradient_norms", "the factor 2 of the square forgotten", _norms(dA="(A[-1] - T) / T.size")),
    _v("gradient_norms", "squared norms (no square root)", _norms(norm="np.sum(dW ** 2)")),
    _v("gradient_norms", "dW from the layer's own output instead of its input", _norms(dW="A[l + 1].T @ dZ")),
    # ---- kinds of issue 16: the network's wiring with square matrices, arguments ignored, one
    # matrix for every layer, the normal's tails, int inputs ----------------------------------------
    _v("gradient_norms", "dA passed back through W instead of Wᵀ (square matrices hide it)", _norms(back="dZ @ Ws[l]")),
    _v("gradient_norms", "n_samples ignored: 256 samples always",
       _norms().replace("(n_samples, width)", "(256, width)")),
    _v("gradient_norms", "one weight matrix drawn once and used by every layer",
       _norms().replace("Ws = [init_weights(width, width, scheme, rng) for _ in range(depth)]",
                        "Ws = [init_weights(width, width, scheme, rng)] * depth")),
    _v("gradient_norms", "target drawn uniform on [0, 1) (rng.random) instead of standard normal",
       _norms().replace("T = rng.standard_normal((n_samples, width))", "T = rng.random((n_samples, width))")),
    _v("activation_stats", "one weight matrix drawn once and used by every layer", """
        def activation_stats(depth, width, activation, scheme, rng, n_samples=1000):
            f = ACTIVATIONS[activation][0]
            A = rng.standard_normal((n_samples, width))
            W = init_weights(width, width, scheme, rng)
            rows = []
            for _ in range(depth):
                A = f(A @ W)
                rows.append([A.mean(), A.std()])
            return np.array(rows)
        """),
    _v("activation_stats", "n_samples ignored: 1000 samples always", _stats().replace("(n_samples, width)", "(1000, width)")),
    _v("activation_stats", "Z = A @ W.T (the transposed weights; square matrices hide it)", _stats(layer="A = f(A @ W.T)")),
    _v("init_weights", "a normal clipped at three standard deviations", _init("""
        stds = {"zeros": 0.0, "small": 0.01, "lecun": np.sqrt(1 / fan_in),
                "xavier": np.sqrt(2 / (fan_in + fan_out)), "he": np.sqrt(2 / fan_in)}
        if scheme not in stds:
            raise ValueError(scheme)
        return stds[scheme] * np.clip(rng.standard_normal((fan_in, fan_out)), -3.0, 3.0)
        """)),
    _v("relu", "z itself returned when it has no negative entry (the result aliases the input)", """
        def relu(z):
            if np.all(z >= 0):
                return z
            return np.maximum(z, 0.0)
        """),
    _v("relu", "np.maximum(z, 0): int output for an int input", """
        def relu(z):
            return np.maximum(z, 0)
        """),
    _v("leaky_relu", "a copy of z scaled in place: an int input raises", """
        def leaky_relu(z, alpha=0.01):
            out = z.copy()
            out[out < 0] *= alpha
            return out
        """),
]


RIGHT = [
    # ---- tanh ---------------------------------------------------------------------------------
    _v("tanh", "2σ(2z) − 1 with the stable sigmoid", """
        def tanh(z):
            return 2.0 * sigmoid(2.0 * z) - 1.0
        """),
    _v("tanh", "the exp formula made stable with np.where on the sign", """
        def tanh(z):
            e = np.exp(-2.0 * np.abs(z))
            magnitude = (1.0 - e) / (1.0 + e)
            return np.where(z >= 0, magnitude, -magnitude)
        """),
    _v("tanh", "np.tanh", """
        def tanh(z):
            return np.tanh(z)
        """),
    # ---- tanh_grad ----------------------------------------------------------------------------
    _v("tanh_grad", "(1 − t)(1 + t) with np.tanh", """
        def tanh_grad(z):
            t = np.tanh(z)
            return (1.0 - t) * (1.0 + t)
        """),
    _v("tanh_grad", "sech² as 4e/(1 + e)², e = e^(−2|z|)", """
        def tanh_grad(z):
            e = np.exp(-2.0 * np.abs(z))
            return 4.0 * e / (1.0 + e) ** 2
        """),
    # ---- sigmoid_grad -------------------------------------------------------------------------
    _v("sigmoid_grad", "scipy.special.expit", """
        from scipy.special import expit

        def sigmoid_grad(z):
            s = expit(z)
            return s * (1.0 - s)
        """),
    _v("sigmoid_grad", "σ(z)(1 − σ(z)) with the notebook's stable sigmoid", """
        def sigmoid_grad(z):
            return sigmoid(z) * (1.0 - sigmoid(z))
        """),
    _v("sigmoid_grad", "through tanh: (1 − tanh²(z/2))/4", """
        def sigmoid_grad(z):
            return 0.25 * (1.0 - np.tanh(0.5 * z) ** 2)
        """),
    # ---- relu ---------------------------------------------------------------------------------
    _v("relu", "np.where", """
        def relu(z):
            return np.where(z > 0, z, 0.0)
        """),
    _v("relu", "z times the float mask", """
        def relu(z):
            return z * (z > 0).astype(float)
        """),
    _v("relu", "np.clip", """
        def relu(z):
            return np.clip(z, 0.0, None)
        """),
    # ---- relu_grad ----------------------------------------------------------------------------
    _v("relu_grad", "np.heaviside with value 0 at 0", """
        def relu_grad(z):
            return np.heaviside(z, 0.0)
        """),
    _v("relu_grad", "np.where", """
        def relu_grad(z):
            return np.where(z > 0, 1.0, 0.0)
        """),
    # ---- leaky_relu ---------------------------------------------------------------------------
    _v("leaky_relu", "np.maximum(alpha z, z) (alpha < 1)", """
        def leaky_relu(z, alpha=0.01):
            return np.maximum(alpha * z, z)
        """),
    _v("leaky_relu", "positive part plus alpha times the negative part", """
        def leaky_relu(z, alpha=0.01):
            return np.maximum(z, 0.0) + alpha * np.minimum(z, 0.0)
        """),
    # ---- leaky_relu_grad ----------------------------------------------------------------------
    _v("leaky_relu_grad", "a full array of alpha, set to 1 where z > 0", """
        def leaky_relu_grad(z, alpha=0.01):
            grad = np.full(np.shape(z), float(alpha))
            grad[z > 0] = 1.0
            return grad
        """),
    _v("leaky_relu_grad", "alpha + (1 − alpha) · mask", """
        def leaky_relu_grad(z, alpha=0.01):
            return alpha + (1.0 - alpha) * (z > 0)
        """),
    # ---- gelu ---------------------------------------------------------------------------------
    _v("gelu", "scipy.stats.norm.cdf", """
        from scipy.stats import norm

        def gelu(z):
            return z * norm.cdf(z)
        """),
    _v("gelu", "scipy.special.ndtr", """
        from scipy.special import ndtr

        def gelu(z):
            return z * ndtr(z)
        """),
    _v("gelu", "math.erf vectorised", """
        import math

        def gelu(z):
            return 0.5 * z * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
        """),
    # ---- gelu_grad ----------------------------------------------------------------------------
    _v("gelu_grad", "scipy.stats.norm's cdf and pdf", """
        from scipy.stats import norm

        def gelu_grad(z):
            return norm.cdf(z) + z * norm.pdf(z)
        """),
    _v("gelu_grad", "ndtr and the density written out", """
        from scipy.special import ndtr

        def gelu_grad(z):
            return ndtr(z) + z * np.exp(-z ** 2 / 2) / np.sqrt(2 * np.pi)
        """),
    # ---- init_weights -------------------------------------------------------------------------
    _v("init_weights", "rng.normal(0, sqrt(variance)) in an if/elif chain", _init("""
        shape = (fan_in, fan_out)
        if scheme == "zeros":
            return np.zeros(shape)
        elif scheme == "small":
            return rng.normal(0.0, 0.01, size=shape)
        elif scheme == "lecun":
            return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=shape)
        elif scheme == "xavier":
            return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)
        elif scheme == "he":
            return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
        raise ValueError(f"unknown initialisation scheme {scheme}")
        """)),
    _v("init_weights", "a dict of variances, zeros as variance 0, KeyError turned into ValueError", _init("""
        variances = {"zeros": 0.0, "small": 1e-4, "lecun": 1 / fan_in, "xavier": 2 / (fan_in + fan_out),
                     "he": 2 / fan_in}
        try:
            variance = variances[scheme]
        except KeyError:
            raise ValueError(scheme) from None
        return np.sqrt(variance) * rng.standard_normal(size=(fan_in, fan_out))
        """)),
    # ---- activation_stats ---------------------------------------------------------------------
    _v("activation_stats", "every weight drawn first, the inputs last, np.var for the spread", """
        def activation_stats(depth, width, activation, scheme, rng, n_samples=1000):
            weights = [init_weights(width, width, scheme, rng) for _ in range(depth)]
            A = rng.normal(size=(n_samples, width))
            f = ACTIVATIONS[activation][0]
            stats = np.zeros((depth, 2))
            for l, W in enumerate(weights):
                A = f(A @ W)
                stats[l] = np.mean(A), np.sqrt(np.var(A))
            return stats
        """),
    _v("activation_stats", "chapter 4's Linear layers with their weights replaced", """
        def activation_stats(depth, width, activation, scheme, rng, n_samples=1000):
            f, _ = ACTIVATIONS[activation]
            out = rng.standard_normal((n_samples, width))
            stats = []
            for _ in range(depth):
                layer = Linear(width, width, rng)
                layer.params["W"] = init_weights(width, width, scheme, rng)
                out = f(layer.forward(out))
                stats.append((out.mean(), out.std()))
            return np.asarray(stats, dtype=float)
        """),
    # ---- gradient_norms -----------------------------------------------------------------------
    _v("gradient_norms", "target drawn first, chapter 4's mse_loss, weights drawn during the forward pass", """
        def gradient_norms(depth, width, activation, scheme, rng, n_samples=256):
            f, f_grad = ACTIVATIONS[activation]
            target = rng.normal(size=(n_samples, width))
            a = rng.normal(size=(n_samples, width))
            cache = []
            for _ in range(depth):
                W = init_weights(width, width, scheme, rng)
                z = a @ W
                cache.append((a, z, W))
                a = f(z)
            _, grad = mse_loss(a, target)
            norms = []
            for a_in, z, W in reversed(cache):
                grad = grad * f_grad(z)
                norms.append(np.sqrt(np.sum((a_in.T @ grad) ** 2)))
                grad = grad @ W.T
            return np.array(norms[::-1])
        """),
    _v("gradient_norms", "the notebook's forward_pass and np.linalg.norm with 'fro'", """
        def gradient_norms(depth, width, activation, scheme, rng, n_samples=256):
            f, f_grad = ACTIVATIONS[activation]
            weights = [init_weights(width, width, scheme, rng) for _ in range(depth)]
            X, T = rng.standard_normal((2, n_samples, width))
            Z, A = forward_pass(X, weights, f)
            inputs = [X, *A[:-1]]
            delta = 2 * (A[-1] - T) / (n_samples * width) * f_grad(Z[-1])
            norms = np.empty(depth)
            for l in range(depth - 1, -1, -1):
                norms[l] = np.linalg.norm(inputs[l].T @ delta, "fro")
                if l > 0:
                    delta = (delta @ weights[l].T) * f_grad(Z[l - 1])
            return norms
        """),
    # ---- more right answers ----------------------------------------------------------------------
    _v("relu_grad", "np.greater(z, 0) cast to float64", """
        def relu_grad(z):
            return np.greater(z, 0).astype(np.float64)
        """),
    _v("leaky_relu", "z times a slope chosen by np.where", """
        def leaky_relu(z, alpha=0.01):
            return z * np.where(z > 0, 1.0, alpha)
        """),
    _v("activation_stats", "Linear-free loop with rng.normal inputs and a list of weights drawn up front", """
        def activation_stats(depth, width, activation, scheme, rng, n_samples=1000):
            f = ACTIVATIONS[activation][0]
            weights = [init_weights(width, width, scheme, rng) for _ in range(depth)]
            A = rng.normal(0.0, 1.0, size=(n_samples, width))
            stats = np.empty((depth, 2))
            for l in range(depth):
                A = f(np.dot(A, weights[l]))
                stats[l, 0], stats[l, 1] = A.mean(), A.std()
            return stats
        """),
]
