"""gumbel_lib.vae: gradients against finite differences, estimators against the exact gradient,
training, Adam, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from gumbel_lib import vae
from gumbel_lib.data import binarize, load_digits
from gumbel_lib.estimators import bias_std
from gumbel_lib.vae import _gradient_kernels, _kernels, training


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return binarize(X), y


@pytest.fixture(scope="module")
def trained(digits):
    """A model after 150 exact-gradient steps: the estimators are compared here."""
    xb, _ = digits
    return vae.train(xb, "exact", 150, batch_size=50, lr=1e-2, hidden=32, eval_every=150).params


def finite_differences(loss, params, h=1e-5):
    """Central differences of ``loss(params)`` for every entry of every parameter."""
    out = {}
    for name, value in params.items():
        grad = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            plus = {**params, name: value.copy()}
            minus = {**params, name: value.copy()}
            plus[name][i] += h
            minus[name][i] -= h
            grad[i] = (loss(plus) - loss(minus)) / (2 * h)
        out[name] = grad
    return out


def assert_grads_close(grads, fd, rtol=1e-5, atol=1e-7):
    assert sorted(grads) == sorted(vae.PARAM_NAMES)
    for name in vae.PARAM_NAMES:
        assert grads[name].shape == fd[name].shape, name
        np.testing.assert_allclose(grads[name], fd[name], rtol=rtol, atol=atol, err_msg=name)


# --- gradient checks ---------------------------------------------------------------------


def test_exact_gradient_matches_finite_differences_for_every_parameter(digits):
    xb = digits[0][:6]
    params = vae.init_params(1, hidden=5, pixel_mean=xb.mean(axis=0))
    est = vae.grads_exact(params, xb)
    fd = finite_differences(lambda p: -vae.elbo_exact(p, xb).mean(), params)
    assert_grads_close(est.grads, fd)
    assert est.elbo == pytest.approx(vae.elbo_exact(params, xb).mean(), rel=1e-12)


def test_exact_logit_gradient_matches_finite_differences(digits):
    """d(-mean ELBO)/d logits, by perturbing one image's logits through the bias."""
    xb = digits[0][:1]
    params = vae.init_params(2, hidden=5)
    est = vae.grads_exact(params, xb)  # one image: the logits' gradient is enc_b2's
    fd = finite_differences(
        lambda q: -vae.elbo_exact({**params, **q}, xb).mean(), {"enc_b2": params["enc_b2"]}
    )
    np.testing.assert_allclose(est.grad_logits[0], fd["enc_b2"], rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("m", [1, 3])
def test_gumbel_softmax_is_the_exact_gradient_of_the_relaxed_elbo(digits, m):
    """With the noise held fixed (same seed) the relaxed ELBO is a smooth function of θ."""
    xb = digits[0][:4]
    params = vae.init_params(3, hidden=4, m=m, d=3)
    est = vae.grads_gumbel_softmax(params, xb, tau=0.7, rng=5, n_samples=2)
    fd = finite_differences(
        lambda p: -vae.grads_gumbel_softmax(p, xb, tau=0.7, rng=5, n_samples=2).elbo, params
    )
    assert_grads_close(est.grads, fd)


@pytest.mark.parametrize("name", ["st_gumbel", "reinforce_loo"])
def test_decoder_gradient_of_the_one_hot_estimators(digits, name):
    """The decoder sees exact one-hot samples: its gradient is that of the sampled ELBO."""
    xb = digits[0][:4]
    params = vae.init_params(4, hidden=4, m=2, d=3)

    def run(p):
        return vae.estimate_gradients(name, p, xb, tau=0.5, rng=9, n_samples=3)

    dec = {n: v for n, v in params.items() if n.startswith("dec_")}
    fd = finite_differences(lambda q: -run({**params, **q}).elbo, dec)
    for n in dec:
        np.testing.assert_allclose(run(params).grads[n], fd[n], rtol=1e-5, atol=1e-7, err_msg=n)


def test_straight_through_decodes_the_same_one_hot_samples_as_reinforce(digits):
    """Same noise: ST and REINFORCE decode the same z = e_K, so the same ELBO and decoder
    gradient; only the encoder's gradient differs (and plain Gumbel-softmax decodes y)."""
    xb = digits[0][:4]
    params = vae.init_params(4, hidden=4, m=2, d=3)
    st, rf, gs = (
        vae.estimate_gradients(name, params, xb, tau=0.5, rng=9, n_samples=3)
        for name in ("st_gumbel", "reinforce_loo", "gumbel_softmax")
    )
    assert st.elbo == pytest.approx(rf.elbo, rel=1e-12) and st.elbo != pytest.approx(gs.elbo)
    for n in ("dec_W1", "dec_b1", "dec_W2", "dec_b2"):
        np.testing.assert_allclose(st.grads[n], rf.grads[n], rtol=1e-12, err_msg=n)
    assert not np.allclose(st.grad_logits, rf.grad_logits)


def test_kl_gradient_and_bounds():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 2, 4)) * 3
    kl = vae.kl_to_uniform(logits)
    q = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(kl, (q * np.log(4 * q)).sum(axis=(1, 2)))
    assert (kl >= 0).all() and (kl <= 2 * np.log(4)).all()
    h = 1e-6
    fd = np.zeros_like(logits)
    for i in np.ndindex(logits.shape):
        e = np.zeros_like(logits)
        e[i] = h
        fd[i] = (vae.kl_to_uniform(logits + e) - vae.kl_to_uniform(logits - e))[i[0]] / (2 * h)
    np.testing.assert_allclose(vae.kl_to_uniform_grad(logits), fd, atol=1e-8)


def test_elbo_is_a_lower_bound_of_the_exact_log_likelihood(trained, digits):
    """log p(b) = logsumexp_k log p(b | e_k) - log k (enumerable for one categorical)."""
    xb = digits[0][:200]
    f = vae.reconstruction_table(trained, xb)
    log_px = np.logaddexp.reduce(f, axis=1) - np.log(10)
    elbo = vae.elbo_exact(trained, xb)
    assert (elbo <= log_px + 1e-10).all()
    assert (log_px - elbo).mean() < 1.0  # a trained encoder is close to the posterior


def test_monte_carlo_elbo_is_unbiased(trained, digits):
    xb = digits[0][:300]
    exact = vae.elbo_exact(trained, xb).mean()
    mc, se = vae.elbo_monte_carlo(trained, xb, n_samples=50, rng=3)
    assert abs(mc - exact) < 4 * se and se < 0.1


# --- the estimators against the exact gradient ---------------------------------------------


def summary(name, params, xb, tau=0.5, repeats=400, seed=11):
    g = vae.logit_gradient_samples(name, params, xb, repeats, tau=tau, rng=seed, n_samples=4)
    exact = -xb.shape[0] * vae.grads_exact(params, xb).grad_logits
    return bias_std(g.reshape(repeats, -1), exact.ravel())


def test_reinforce_loo_is_unbiased(trained, digits):
    """Its mean is within Monte Carlo noise of the exact gradient, at init and after training.

    For an unbiased estimator the squared bias over its stderr² is about χ²_D / D with
    D = 40 coordinates (4 images × 10 logits): above 1.7 with probability about 0.3 %.
    """
    xb = digits[0][100:104]
    for params in [vae.init_params(0, hidden=32, pixel_mean=digits[0].mean(axis=0)), trained]:
        s = summary("reinforce_loo", params, xb, repeats=4000)
        assert s.bias < 1.3 * s.stderr, s


def test_gumbel_softmax_bias_shrinks_with_tau(trained, digits):
    """Well above the noise floor at τ = 1, much smaller at τ = 0.1; the spread grows."""
    xb = digits[0][100:104]
    s1 = summary("gumbel_softmax", trained, xb, 1.0)
    s01 = summary("gumbel_softmax", trained, xb, 0.1)
    assert s1.bias > 10 * s1.stderr
    assert s01.bias < 0.5 * s1.bias
    assert s01.std > 2 * s1.std


def test_st_gumbel_is_biased(trained, digits):
    xb = digits[0][100:104]
    s = summary("st_gumbel", trained, xb, 0.5)
    assert s.bias > 5 * s.stderr


def test_logit_gradient_samples_agree_with_estimate_gradients(trained, digits):
    xb = digits[0][:3]
    rows = vae.logit_gradient_samples("gumbel_softmax", trained, xb, 1, tau=0.5, rng=4)
    one = vae.estimate_gradients("gumbel_softmax", trained, xb, 0.5, rng=4)
    np.testing.assert_allclose(rows[0], -3 * one.grad_logits, rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "m", "d"),
    [(e, 1, 10) for e in vae.GRADIENT_METHODS]
    + [("gumbel_softmax", 8, 4), ("st_gumbel", 8, 4), ("reinforce_loo", 8, 4)],
)
def test_logit_gradient_samples_are_estimate_gradients_on_the_tiled_batch(digits, name, m, d):
    """The shortcut (encoder once, no parameter gradients) gives the same numbers as the
    estimator itself run on the batch tiled ``n_repeats`` times, with the same noise."""
    xb = digits[0][:5]
    params = vae.init_params(2, hidden=16, m=m, d=d, pixel_mean=digits[0].mean(axis=0))
    rows = vae.logit_gradient_samples(name, params, xb, 3, tau=0.7, rng=6, n_samples=3)
    full = vae.estimate_gradients(name, params, np.tile(xb, (3, 1)), 0.7, rng=6, n_samples=3)
    np.testing.assert_allclose(rows, -15 * full.grad_logits.reshape(3, 5, m, d), rtol=1e-12)


def test_decode_backward_without_weights_gives_the_same_grad_z(digits):
    params = vae.init_params(3, hidden=8, m=2, d=3)
    z = np.random.default_rng(0).dirichlet(np.ones(3), size=(4, 2))
    ell, cache = vae.decode(params, z)
    upstream = np.random.default_rng(1).normal(size=ell.shape)
    grads, grad_z = vae.decode_backward(params, cache, upstream)
    none, grad_z_only = vae.decode_backward(params, cache, upstream, weights=False)
    assert none == {} and sorted(grads) == ["dec_W1", "dec_W2", "dec_b1", "dec_b2"]
    np.testing.assert_array_equal(grad_z_only, grad_z)


def test_unchecked_softmax_kernels_give_the_library_numbers():
    """The model's inner loop skips the checks of gumbel_lib.softmax, not its arithmetic: it
    calls the package's kernels (gumbel_lib._kernels), which the checked functions call too,
    so training runs are the same either way, bit for bit."""
    import gumbel_lib as gl
    from gumbel_lib import _kernels as shared

    a = np.random.default_rng(5).normal(0, 3, size=(6, 4, 10))
    u = np.random.default_rng(6).normal(size=a.shape)
    for tau in (1.0, 0.37, 2.5):
        y = gl.softmax(a, tau=tau)
        np.testing.assert_array_equal(shared.softmax(a, tau), y)
        np.testing.assert_array_equal(shared.softmax_vjp(y, u, tau), gl.softmax_vjp(y, u, tau=tau))
    np.testing.assert_array_equal(shared.log_softmax(a), gl.log_softmax(a))
    k = a.argmax(axis=-1)
    np.testing.assert_array_equal(shared.one_hot(k, 10), gl.one_hot(k, 10))
    # the VAE has no softmax of its own: its kernels are the package's
    for name in ("softmax_rows", "log_softmax_rows", "softmax_vjp_rows", "one_hot", "sigmoid"):
        assert getattr(_kernels, name, None) in (None, getattr(shared, name, None)), name


# --- training -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", vae.GRADIENT_METHODS)
def test_training_improves_the_exact_elbo(digits, name):
    """300 Adam steps (notebook 07's settings) from the same start: at least 4 nats better."""
    xb = digits[0]
    tau = lambda t: float(vae.tau_schedule(t, 1.0, 3e-3, 0.5))  # noqa: E731
    res = vae.train(
        xb, name, 300, batch_size=32, lr=1e-2, n_samples=2, tau=tau, eval_every=300, seed=0
    )
    assert res.steps.tolist() == [0, 300]
    assert res.elbo[0] == pytest.approx(-26.2, abs=0.1)  # the same initial model for all
    assert res.elbo[-1] > res.elbo[0] + 4.0
    assert res.elbo[-1] > -21.0
    np.testing.assert_allclose(res.taus[[0, 299]], [1.0, max(0.5, np.exp(-3e-3 * 299))])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["gumbel_softmax", "st_gumbel", "reinforce_loo"])
def test_training_with_eight_categoricals(digits, name):
    xb = digits[0]
    res = vae.train(
        xb, name, 200, batch_size=32, lr=1e-2, n_samples=2, m=8, d=4, tau=0.7, eval_every=200
    )
    assert res.params["enc_b2"].shape == (8, 4)
    assert res.elbo[-1] > res.elbo[0] + 4.0


def test_same_seed_same_start_and_minibatches_for_every_estimator(digits, monkeypatch):
    """The initial model and the minibatch order do not depend on how much noise an estimator
    draws: 40 images in batches of 32 start a new epoch (a new permutation) at step 2."""
    xb = digits[0][:40]
    seen = []
    real = training.estimate_parts  # the training loop's one call per step

    def spy(name, params, batch, *args, **kwargs):
        seen[-1].append(batch.copy())
        return real(name, params, batch, *args, **kwargs)

    monkeypatch.setattr(training, "estimate_parts", spy)
    starts = []
    for name, s in [("exact", 2), ("reinforce_loo", 2), ("gumbel_softmax", 5)]:
        seen.append([])
        res = vae.train(xb, name, 3, batch_size=32, n_samples=s, hidden=4, checkpoints=(0,))
        starts.append(res.checkpoints[0])
    for batches in seen[1:]:
        for a, b in zip(seen[0], batches, strict=True):
            np.testing.assert_array_equal(a, b)
    for start in starts[1:]:
        for n in vae.PARAM_NAMES:
            np.testing.assert_array_equal(start[n], starts[0][n])


def test_training_is_reproducible_and_checkpoints(digits):
    xb = digits[0][:300]
    kw = {"batch_size": 32, "n_samples": 2, "eval_every": 10, "seed": 3}
    a = vae.train(xb, "reinforce_loo", 20, checkpoints=(0, 10), **kw)
    b = vae.train(xb, "reinforce_loo", 20, **kw)
    np.testing.assert_array_equal(a.elbo, b.elbo)
    assert sorted(a.checkpoints) == [0, 10]
    assert not np.array_equal(a.checkpoints[10]["enc_W1"], a.params["enc_W1"])


# --- the pieces -----------------------------------------------------------------------------


def test_dense_and_tanh_backward_against_finite_differences():
    rng = np.random.default_rng(1)
    a, W, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
    G = rng.normal(size=(3, 2))
    h = 1e-6

    def J(a_, W_, b_):
        return (G * np.tanh(vae.dense(a_, W_, b_))).sum()

    # through tanh: G' = tanh_backward(t, G)
    t = np.tanh(vae.dense(a, W, b))
    ga, gW, gb = vae.dense_backward(a, W, vae.tanh_backward(t, G))
    E = np.zeros_like(W)
    E[1, 0] = h
    assert gW[1, 0] == pytest.approx((J(a, W + E, b) - J(a, W - E, b)) / (2 * h), rel=1e-6)
    e = np.zeros_like(a)
    e[2, 3] = h
    assert ga[2, 3] == pytest.approx((J(a + e, W, b) - J(a - e, W, b)) / (2 * h), rel=1e-6)
    assert gb[1] == pytest.approx((J(a, W, b + [0, h]) - J(a, W, b - [0, h])) / (2 * h), rel=1e-6)


def test_adam_follows_its_formula_and_minimises_a_quadratic():
    params, grads = {"w": np.array([1.0, -2.0])}, {"w": np.array([0.5, 0.1])}
    state = vae.adam_init(params)
    p1, s1 = vae.adam_step(params, grads, state, lr=0.1)
    p2, s2 = vae.adam_step(p1, grads, s1, lr=0.1)
    m = 0.9 * 0.1 * grads["w"] + 0.1 * grads["w"]
    v = 0.999 * 0.001 * grads["w"] ** 2 + 0.001 * grads["w"] ** 2
    expected = p1["w"] - 0.1 * (m / (1 - 0.9**2)) / (np.sqrt(v / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(p2["w"], expected, rtol=1e-12)
    assert s2.t == 2 and params["w"].tolist() == [1.0, -2.0]  # the input is untouched
    target = np.array([3.0, -1.0])
    p, s = {"w": np.zeros(2)}, vae.adam_init({"w": np.zeros(2)})
    for _ in range(2000):
        p, s = vae.adam_step(p, {"w": 2 * (p["w"] - target)}, s, lr=0.05)
    np.testing.assert_allclose(p["w"], target, atol=1e-3)


def test_tau_schedule():
    taus = vae.tau_schedule(np.arange(0, 3000, 500), tau0=2.0, rate=1e-3, tau_min=0.5)
    np.testing.assert_allclose(taus, np.maximum(0.5, 2.0 * np.exp(-1e-3 * np.arange(0, 3000, 500))))
    assert taus[-1] == 0.5 and taus[0] == 2.0
    with pytest.raises(ValueError, match="tau_min must be > 0"):
        vae.tau_schedule(1, tau_min=0.0)
    with pytest.raises(ValueError, match="rate must be"):
        vae.tau_schedule(1, rate=-1.0)


def test_confusion_matrix_and_purity():
    c = vae.confusion_matrix(np.array([0, 0, 1, 1, 1]), np.array([2, 2, 2, 3, 3]), d=3)
    assert c.shape == (3, 10) and c[0, 2] == 2 and c[1, 3] == 2 and c.sum() == 5
    assert vae.cluster_purity(c) == pytest.approx(4 / 5)
    # one category for everything: the purity is the share of the commonest label, not 1
    one = vae.confusion_matrix(np.zeros(4, dtype=int), np.array([1, 1, 1, 7]), d=2)
    assert vae.cluster_purity(one) == pytest.approx(3 / 4)
    with pytest.raises(ValueError, match="assigned must lie"):
        vae.confusion_matrix(np.array([5]), np.array([0]), d=3)


def test_relaxed_decoding_limits(trained, digits):
    image = digits[0][7]
    g = np.random.default_rng(0).gumbel(size=10)
    y, pixels = vae.relaxed_decoding(trained, image, g, tau=0.01)
    k = int(np.argmax(vae.encode(trained, image[None])[0][0, 0] + g))
    assert y[k] > 0.999
    proto = 1 / (1 + np.exp(-vae.category_images(trained)[k]))
    np.testing.assert_allclose(pixels, proto, atol=1e-3)
    y_hot, _ = vae.relaxed_decoding(trained, image, g, tau=100.0)
    assert np.abs(y_hot - 0.1).max() < 0.02


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda p, x: vae.estimate_gradients("sgd", p, x), ValueError, "name must be one of"),
        (lambda p, x: vae.estimate_gradients("exact", {"enc_W1": 0}, x), ValueError, "keys"),
        (lambda p, x: vae.estimate_gradients("exact", p, x * 0.5), ValueError, "binary pixels"),
        (lambda p, x: vae.estimate_gradients("exact", p, x[:, :9]), ValueError, r"\(n, 64\)"),
        (lambda p, x: vae.estimate_gradients("gumbel_softmax", p, x, tau=0.0), ValueError, "tau"),
        (lambda p, x: vae.grads_reinforce_loo(p, x, n_samples=1), ValueError, "n_samples must"),
        (lambda p, x: vae.grads_exact(p, x * 0.5), ValueError, "binary pixels"),
        (
            lambda p, x: vae.grads_straight_through_gumbel_softmax(p, x, 0.5, n_samples=0),
            ValueError,
            "n_samples must",
        ),
        (lambda p, x: vae.grads_gumbel_softmax({"W": 1}, x, 0.5), ValueError, "keys"),
        (lambda p, x: vae.reconstruction_table(p, x[:, :60]), ValueError, r"\(n, 64\)"),
        (lambda p, x: vae.estimate_gradients("st_gumbel", p, x, n_samples=1.5), TypeError, "int"),
        (lambda p, x: vae.train(x, "exact", 5, m=2), ValueError, "m = 1"),
        (lambda p, x: vae.train(x, "exact", 0), ValueError, "steps must be"),
        (lambda p, x: vae.init_params(0, d=1), ValueError, "d must be"),
        (lambda p, x: vae.relaxed_decoding(p, x[0], np.zeros(3), 1.0), ValueError, "noise must be"),
    ],
)
def test_bad_input(digits, call, error, words):
    params = vae.init_params(0, hidden=4)
    with pytest.raises(error, match=words):
        call(params, digits[0][:5])


@pytest.mark.parametrize(
    "kwargs, says",
    [({"hidden": 0}, "width of the hidden layer"), ({"d": 1}, "number of categories")],
)
def test_size_errors_say_what_the_size_counts(kwargs, says):
    """A size that is not a number of samples is not called one in its error."""
    args = {"rng": 0, "n_pixels": 64, "hidden": 8, "m": 1, "d": 4} | kwargs
    with pytest.raises(ValueError, match=says) as err:
        vae.init_params(**args)
    assert "number of samples" not in str(err.value)


# --- several seeds at once ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "m", "d", "kl"),
    [
        ("exact", 1, 10, "categorical"),
        ("gumbel_softmax", 1, 10, "categorical"),
        ("gumbel_softmax", 2, 3, "concrete"),
        ("st_gumbel", 1, 10, "categorical"),
        ("reinforce_loo", 3, 4, "categorical"),
    ],
)
def test_seeds_trained_together_are_the_models_trained_alone(digits, name, m, d, kl):
    """A leading seed axis on every parameter changes nothing but the speed: seed i of
    train_seeds is train(..., seed=i), its ELBO curve, checkpoints and final parameters."""
    xb = digits[0][:200]
    kw = {"batch_size": 16, "n_samples": 2, "hidden": 6, "m": m, "d": d, "kl": kl, "lr": 0.02}
    kw |= {"eval_every": 10, "tau": lambda t: 1.0 - t / 40, "eval_samples": 3}
    together = vae.train_seeds(xb, name, 25, seeds=[3, 0, 7], checkpoints=(0, 10), **kw)
    assert together.elbo.shape == (3, 4) and together.steps.tolist() == [0, 10, 20, 25]
    for i, seed in enumerate([3, 0, 7]):
        alone = vae.train(xb, name, 25, seed=seed, checkpoints=(0, 10), **kw)
        np.testing.assert_allclose(together.elbo[i], alone.elbo, rtol=1e-9)
        for n in vae.PARAM_NAMES:
            np.testing.assert_allclose(
                together.params[i][n], alone.params[n], rtol=1e-8, atol=1e-12
            )
            np.testing.assert_array_equal(together.checkpoints[0][i][n], alone.checkpoints[0][n])
    # different seeds: different models
    assert not np.allclose(together.params[0]["enc_W1"], together.params[1]["enc_W1"])


def test_train_seeds_evaluates_on_the_held_out_images(digits):
    xb = digits[0]
    train_part, test_part = xb[:1500], xb[1500:]
    res = vae.train_seeds(
        train_part, "exact", 20, seeds=[0, 1], hidden=8, eval_every=20, eval_v=test_part
    )
    for i in range(2):
        held_out = vae.elbo_exact(res.params[i], test_part).mean()
        np.testing.assert_allclose(res.elbo[i, -1], held_out, rtol=1e-10)
        assert abs(res.elbo[i, -1] - vae.elbo_exact(res.params[i], train_part).mean()) > 1e-6


# --- Maddison et al.'s objective: Concrete densities for both terms ---------------------------


def test_exp_concrete_density_is_the_concrete_density_in_log_coordinates():
    """log ρ_Concrete(y) = log ρ_ExpConcrete(log y) - Σ_k log y_k (y = e^ζ, Jacobian Π y_k)."""
    import gumbel_lib as gl

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 4))
    y = gl.softmax(logits + rng.gumbel(size=(6, 4)), tau=0.7)
    log_exp, _ = _gradient_kernels.exp_concrete_log_density(np.log(y), logits, 0.7)
    np.testing.assert_allclose(
        log_exp - np.log(y).sum(axis=-1), gl.concrete_log_density(y, logits, 0.7), rtol=1e-10
    )
    # another τ: refused
    wrong, _ = _gradient_kernels.exp_concrete_log_density(np.log(y), logits, 0.35)
    assert not np.allclose(wrong - np.log(y).sum(axis=-1), gl.concrete_log_density(y, logits, 0.7))


@pytest.mark.parametrize(("m", "d", "prior_tau"), [(1, 4, None), (2, 3, 0.4)])
def test_concrete_objective_gradient_matches_finite_differences(digits, m, d, prior_tau):
    """With the noise held fixed, kl="concrete" returns the exact gradient of its own sampled
    objective (relaxed reconstruction minus the ExpConcrete log-density ratio)."""
    xb = digits[0][:4]
    params = vae.init_params(3, hidden=4, m=m, d=d)
    kw = {"tau": 0.7, "rng": 5, "n_samples": 2, "kl": "concrete", "prior_tau": prior_tau}
    est = vae.grads_gumbel_softmax(params, xb, **kw)
    fd = finite_differences(lambda p: -vae.grads_gumbel_softmax(p, xb, **kw).elbo, params)
    assert_grads_close(est.grads, fd, rtol=1e-4, atol=1e-7)
    # and it is not the categorical objective's gradient
    other = vae.grads_gumbel_softmax(params, xb, 0.7, rng=5, n_samples=2)
    assert not np.allclose(other.grad_logits, est.grad_logits)


def test_concrete_elbo_is_the_relaxed_reconstruction_minus_the_sampled_kl(digits):
    """The returned objective, recomputed from its definition for one image."""
    import gumbel_lib as gl

    xb = digits[0][:1]
    params = vae.init_params(4, hidden=5, m=1, d=4)
    est = vae.grads_gumbel_softmax(
        params, xb, 0.6, rng=8, n_samples=1, kl="concrete", prior_tau=0.3
    )
    x = vae.encode(params, xb)[0][0, 0]
    g = gl.gumbel_noise((1, 1, 1, 4), rng=8)[0, 0, 0]
    y = gl.softmax(x + g, tau=0.6)
    ell = vae.decode(params, y[None, None, :])[0]
    log_lik = vae.bernoulli_log_likelihood(xb, ell)[0]
    kl = gl.concrete_log_density(y, x, 0.6) - gl.concrete_log_density(y, np.zeros(4), 0.3)
    assert est.elbo == pytest.approx(log_lik - kl, rel=1e-9)


def test_concrete_objective_is_only_for_gumbel_softmax(digits):
    params = vae.init_params(0, hidden=4)
    xb = digits[0][:3]
    with pytest.raises(ValueError, match='kl="concrete" is the relaxed objective'):
        vae.estimate_gradients("st_gumbel", params, xb, 0.5, rng=0, kl="concrete")
    with pytest.raises(ValueError, match="kl must be one of"):
        vae.grads_gumbel_softmax(params, xb, 0.5, kl="exp_concrete")
    with pytest.raises(ValueError, match="prior_tau is the prior's temperature"):
        vae.grads_gumbel_softmax(params, xb, 0.5, prior_tau=0.5)
    with pytest.raises(ValueError, match="prior_tau must be"):
        vae.grads_gumbel_softmax(params, xb, 0.5, kl="concrete", prior_tau=0.0)


# --- bad input that used to pass or fail without naming the argument --------------------------


@pytest.mark.parametrize(
    ("lr", "error"),
    [
        (np.nan, ValueError),
        (np.inf, ValueError),
        (-1.0, ValueError),
        (0.0, ValueError),
        ("0.1", TypeError),
        (True, TypeError),
        (None, TypeError),
    ],
)
def test_a_bad_learning_rate_is_refused_by_name(digits, lr, error):
    """NaN or inf gave a NaN ELBO, -1.0 climbed the loss, '0.1' a raw UFuncTypeError."""
    w, grad = {"w": np.zeros(2)}, {"w": np.ones(2)}
    with pytest.raises(error, match="lr must be"):
        vae.adam_step(w, grad, vae.adam_init(w), lr=lr)
    with pytest.raises(error, match="lr must be"):
        vae.train(digits[0][:50], "exact", 2, lr=lr, hidden=4)


def test_adam_step_accepts_numpy_numbers():
    w, grad = {"w": np.zeros(2)}, {"w": np.ones(2)}
    new, _ = vae.adam_step(w, grad, vae.adam_init(w), lr=np.float32(0.5), beta1=np.float64(0.5))
    np.testing.assert_allclose(new["w"], [-0.5, -0.5], rtol=1e-6)
    with pytest.raises(ValueError, match="beta1 must be"):
        vae.adam_step(w, grad, vae.adam_init(w), beta1=1.0)


def test_tau_schedule_checks_its_step_and_rate():
    """np.nan as a step returned nan; rate=True was accepted and np.int64(1) refused."""
    with pytest.raises(TypeError, match="step must be an int"):
        vae.tau_schedule(np.nan)
    with pytest.raises(TypeError, match="step must be an int"):
        vae.tau_schedule(2.0)
    with pytest.raises(ValueError, match="step must be >= 0"):
        vae.tau_schedule(np.array([0, -5]))
    with pytest.raises(TypeError, match="rate must be a real number"):
        vae.tau_schedule(10, rate=True)
    with pytest.raises(TypeError, match="step must"):
        vae.tau_schedule("10")
    assert float(vae.tau_schedule(1, tau0=1.0, rate=np.int64(1), tau_min=0.1)) == pytest.approx(
        np.exp(-1)
    )
    np.testing.assert_allclose(vae.tau_schedule(np.int64(3), rate=0.0), 1.0)


def test_params_of_the_wrong_type_are_a_type_error(digits):
    for bad in (None, 3, [1, 2]):
        with pytest.raises(TypeError, match="params must be a dict"):
            vae.elbo_exact(bad, digits[0][:2])
        with pytest.raises(TypeError, match="params must be a dict"):
            vae.adam_init(bad)
    with pytest.raises(ValueError, match="params must be a dict with the keys"):
        vae.elbo_exact({}, digits[0][:2])
    w = {"w": np.zeros(2)}
    with pytest.raises(ValueError, match="grads must have the keys of params"):
        vae.adam_step(w, {"v": np.zeros(2)}, vae.adam_init(w))


@pytest.mark.parametrize(
    ("checkpoints", "error", "words"),
    [
        (2, TypeError, "checkpoints must be a tuple of steps"),
        ("10", TypeError, "checkpoints must be a tuple of steps"),
        ((0, 99), ValueError, "checkpoints must be between 0 and 3"),
        ((1.0,), TypeError, "checkpoints must be an int"),
    ],
)
def test_checkpoints_must_be_steps(digits, checkpoints, error, words):
    """checkpoints=2 said "argument of type 'int' is not iterable"."""
    with pytest.raises(error, match=words):
        vae.train(digits[0][:50], "exact", 3, hidden=4, checkpoints=checkpoints)


def test_eval_samples_is_named_in_its_error(digits):
    """train(m=2, eval_samples=1) complained about n_samples."""
    with pytest.raises(ValueError, match="eval_samples must be between 2") as err:
        vae.train(digits[0][:50], "gumbel_softmax", 2, m=2, d=3, hidden=4, eval_samples=1)
    assert "n_samples" not in str(err.value)


def test_train_refuses_a_list_of_seeds(digits):
    with pytest.raises(TypeError, match="train_seeds"):
        vae.train(digits[0][:50], "exact", 2, hidden=4, seed=[0, 1])
    with pytest.raises(TypeError, match="seeds must be a list"):
        vae.train_seeds(digits[0][:50], "exact", 2, hidden=4, seeds=3)
    with pytest.raises(ValueError, match="at least one seed"):
        vae.train_seeds(digits[0][:50], "exact", 2, hidden=4, seeds=[])


@pytest.mark.parametrize("tau", [1e-310, 5e-324, 1e-200])
@pytest.mark.parametrize("name", ["gumbel_softmax", "st_gumbel"])
def test_tiny_tau_gives_the_limit_without_warnings(digits, name, tau):
    """τ → 0: y is the one-hot sample and its Jacobian 0, computed without overflow warnings
    (τ <= 1e-310 used to warn "overflow encountered in divide")."""
    import warnings

    xb = digits[0][:6]
    params = vae.init_params(2, hidden=8, m=2, d=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = vae.estimate_gradients(name, params, xb, tau, rng=1, n_samples=2)
        rows = vae.logit_gradient_samples(name, params, xb, 3, tau=tau, rng=1, n_samples=2)
    for grads in [est.grad_logits, rows, *est.grads.values()]:
        assert np.isfinite(grads).all()
    kl_grad = vae.kl_to_uniform_grad(vae.encode(params, xb)[0]) / 6
    np.testing.assert_allclose(est.grad_logits, kl_grad, atol=1e-12)  # only the KL's gradient


# --- one registry of estimators: names, labels and fewest samples from gumbel_lib.estimators ---


def test_estimator_names_and_labels_come_from_the_registry():
    """Every VAE estimator but the exact gradient is an entry of the estimators' registry, and
    its label is the registry's."""
    from gumbel_lib.estimators import REGISTRY

    assert vae.GRADIENT_METHODS[0] == "exact"
    assert set(vae.GRADIENT_METHODS[1:]) <= set(REGISTRY)
    assert list(vae.LABELS) == list(vae.GRADIENT_METHODS)
    for name in vae.GRADIENT_METHODS[1:]:
        assert vae.LABELS[name] == REGISTRY[name].label


def test_the_fewest_samples_are_the_registrys(digits, monkeypatch):
    """The VAE reads how many samples an estimator needs from the registry: raising an entry's
    ``min_samples`` makes every entry point refuse what it accepted before."""
    from gumbel_lib import estimators

    params, xb = vae.init_params(0, hidden=4), digits[0][:6]
    calls = [
        lambda: vae.estimate_gradients("st_gumbel", params, xb, 0.5, rng=0, n_samples=2),
        lambda: vae.grads_straight_through_gumbel_softmax(params, xb, 0.5, rng=0, n_samples=2),
        lambda: vae.logit_gradient_samples("st_gumbel", params, xb, 2, 0.5, rng=0, n_samples=2),
        lambda: vae.train(xb, "st_gumbel", 1, batch_size=3, n_samples=2, hidden=4),
    ]
    for call in calls:
        call()
    entry = estimators.REGISTRY["st_gumbel"]
    monkeypatch.setitem(estimators.REGISTRY, "st_gumbel", entry._replace(min_samples=3))
    for call in calls:
        with pytest.raises(ValueError, match="n_samples must be between 3 and"):
            call()


# --- 09: Gumbel-Rao and REBAR on the VAE (opt-in, in logit_gradient_samples only) -------------


def _z_scores(g, exact):
    return (g.mean(axis=0) - exact) / (g.std(axis=0, ddof=1) / np.sqrt(len(g)))


def test_the_conditional_estimators_leave_the_gradient_methods_of_07_alone():
    assert vae.GRADIENT_METHODS == ("exact", "gumbel_softmax", "st_gumbel", "reinforce_loo")
    assert vae.CONDITIONAL_GRADIENT_METHODS == ("gumbel_rao", "rebar")


@pytest.mark.parametrize("tau", [0.3, 1.0])
def test_rebar_on_the_vae_is_unbiased(digits, tau):
    params, v = vae.init_params(1, hidden=8), digits[0][:5]
    exact = -5 * vae.grads_exact(params, v).grad_logits
    g = vae.logit_gradient_samples("rebar", params, v, 20_000, tau, rng=2, n_samples=1)
    assert np.abs(_z_scores(g, exact)).max() < 4.5


def test_gumbel_rao_on_the_vae_has_the_mean_of_st_gumbel_and_less_spread(digits):
    params, v, r = vae.init_params(1, hidden=8), digits[0][:5], 20_000
    st = vae.logit_gradient_samples("st_gumbel", params, v, r, 0.5, rng=3, n_samples=1)
    gr = vae.logit_gradient_samples("gumbel_rao", params, v, r, 0.5, rng=4, n_samples=1)
    se = np.sqrt(st.var(axis=0) / r + gr.var(axis=0) / r)
    assert np.abs((st.mean(axis=0) - gr.mean(axis=0)) / se).max() < 4.5
    assert gr.var(axis=0).sum() < 0.8 * st.var(axis=0).sum()


def test_the_conditional_options_are_checked(digits):
    params, v = vae.init_params(1, hidden=4), digits[0][:3]
    with pytest.raises(ValueError, match="n_conditional"):
        vae.logit_gradient_samples("gumbel_rao", params, v, 2, 0.5, rng=0, n_conditional=0)
    with pytest.raises(TypeError, match="alpha"):
        vae.logit_gradient_samples("rebar", params, v, 2, 0.5, rng=0, alpha="1")
