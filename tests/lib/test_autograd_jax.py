"""Autograd computes the gradients the library writes out by hand (notebook 08).

``jax.grad`` of each relaxed objective, written as a forward pass in JAX, equals the library's
explicit vector-Jacobian products for the same noise, in float64, to 1e-12: softmax's VJP (01),
the naive straight-through trick (02), straight-through Gumbel-softmax (04), the Gumbel-softmax
and straight-through Gumbel-softmax estimators (06), and the VAE's gradients (07), exact and
estimated. The forward passes are those of notebook 08; the library never imports JAX.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import gumbel_lib as gl
from gumbel_lib import estimators as est
from gumbel_lib import vae

TOL = 1e-12
A = np.array([0.0, 0.2, 0.8, 0.0])  # notebook 02's target point


@pytest.fixture(autouse=True, scope="module")
def float64():
    """JAX computes in float32 unless told: these comparisons need float64."""
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)


def f(z):
    return jnp.sum((z - A) ** 2, axis=-1)


def f_grad(z):
    return 2 * (z - A)


def relaxed(x, g, τ):
    return jax.nn.softmax((x + g) / τ, axis=-1)


def straight_through(x, g, τ):
    y = relaxed(x, g, τ)
    z = jax.nn.one_hot(jnp.argmax(x + g, axis=-1), x.shape[-1])
    return z - jax.lax.stop_gradient(y) + y  # z - sg(y) first: the value is exactly z


def naive_straight_through(x, τ):
    p = jax.nn.softmax(x / τ)
    return jax.nn.one_hot(jnp.argmax(x), x.shape[-1]) - jax.lax.stop_gradient(p) + p


def encode(p, v):
    h = jnp.tanh(v @ p["enc_W1"] + p["enc_b1"])
    return jnp.einsum("nh,hmd->nmd", h, p["enc_W2"]) + p["enc_b2"]


def decode(p, z):
    h = jnp.tanh(z.reshape(*z.shape[:-2], -1) @ p["dec_W1"] + p["dec_b1"])
    return h @ p["dec_W2"] + p["dec_b2"]


def log_likelihood(v, ell):
    return jnp.sum(v * ell - jnp.logaddexp(0.0, ell), axis=-1)


def kl_to_uniform(x):
    log_q = jax.nn.log_softmax(x)
    return jnp.sum(jnp.exp(log_q) * (log_q + jnp.log(x.shape[-1])), axis=(-2, -1))


def vae_loss(p, v, g, τ, hard):
    x = encode(p, v)
    z = straight_through(x, g, τ) if hard else relaxed(x, g, τ)
    return -jnp.mean(log_likelihood(v, decode(p, z)).mean(axis=0) - kl_to_uniform(x))


def vae_exact_loss(p, v):
    x = encode(p, v)  # (n, 1, d): one categorical
    d = x.shape[-1]
    table = log_likelihood(v[:, None, :], decode(p, jnp.eye(d)[:, None, :])[None])  # (n, d)
    q = jax.nn.softmax(x[:, 0, :])
    return -jnp.mean(jnp.sum(q * table, axis=-1) - kl_to_uniform(x))


def largest(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).max())


@pytest.mark.parametrize("τ", [0.3, 1.0, 4.0])
def test_softmax_vjp_is_the_gradient_of_the_tempered_softmax(τ, rng):
    x, u = rng.normal(size=5), rng.normal(size=5)
    auto = jax.grad(lambda x: jnp.dot(u, jax.nn.softmax(x / τ)))(x)
    assert largest(auto, gl.softmax_vjp(gl.softmax(x, τ), u, τ)) < TOL


@pytest.mark.parametrize("τ", [0.5, 2.0])
def test_naive_straight_through_is_the_stop_gradient_line(τ, rng):
    x = rng.normal(size=4)
    auto = jax.grad(lambda x: f(naive_straight_through(x, τ)))(x)
    hand = gl.straight_through_softmax(x, f_grad(gl.one_hot(x.argmax(), 4)), tau=τ).grad
    assert largest(auto, hand) < TOL


@pytest.mark.parametrize("seed", range(5))
def test_straight_through_gumbel_softmax_is_the_stop_gradient_line(seed, rng):
    x, τ = rng.normal(size=4), 0.5
    g = gl.gumbel_noise(4, rng=seed)  # the noise the library draws from the same seed
    z = gl.one_hot((x + g).argmax(), 4)
    st = gl.straight_through_gumbel_softmax(x, f_grad(z), tau=τ, rng=seed)
    assert np.array_equal(st.value, z)
    auto = jax.grad(lambda x: f(straight_through(x, g, τ)))(x)
    assert largest(auto, st.grad) < TOL


@pytest.mark.parametrize(
    ("forward", "estimator"),
    [
        (relaxed, est.gumbel_softmax_estimator),
        (straight_through, est.straight_through_gumbel_softmax_estimator),
    ],
    ids=["gumbel_softmax", "st_gumbel"],
)
@pytest.mark.parametrize("τ", [0.2, 1.0])
def test_the_relaxed_estimators_are_the_gradients_of_their_forward_passes(
    forward, estimator, τ, rng
):
    x, n = rng.normal(size=4), 300
    G = gl.gumbel_noise((n, 4), rng=rng)
    f_values = ((np.eye(4) - A) ** 2).sum(axis=1)
    per_draw = jax.grad(lambda x, g: f(forward(x, g, τ)))
    auto = jax.vmap(per_draw, in_axes=(None, 0))(x, G)
    hand = estimator(x, f_values, n, tau=τ, f_grad=f_grad, noise=G)
    assert largest(auto, hand) < TOL


@pytest.mark.parametrize(
    ("hard", "grads"),
    [(False, vae.grads_gumbel_softmax), (True, vae.grads_straight_through_gumbel_softmax)],
    ids=["gumbel_softmax", "st_gumbel"],
)
@pytest.mark.parametrize(("m", "d"), [(1, 10), (2, 5)])
def test_the_vae_gradients_are_the_gradients_of_its_forward_pass(hard, grads, m, d, digits):
    v = np.asarray(digits[0][:12], dtype=float)
    params = vae.init_params(3, hidden=16, m=m, d=d)
    s, seed, τ = 3, 11, 0.5
    g = gl.gumbel_noise((s, len(v), m, d), rng=seed)  # the noise vae draws from the seed
    by_hand = grads(params, v, τ, rng=seed, n_samples=s)
    loss, auto = jax.value_and_grad(vae_loss)(params, v, g, τ, hard)
    assert abs(float(loss) + by_hand.elbo) < TOL
    assert max(largest(auto[k], by_hand.grads[k]) for k in params) < TOL


def test_the_exact_vae_gradient_is_the_gradient_of_the_exact_elbo(digits):
    v = np.asarray(digits[0][:12], dtype=float)
    params = vae.init_params(5, hidden=16, m=1, d=10)
    by_hand = vae.grads_exact(params, v)
    loss, auto = jax.value_and_grad(vae_exact_loss)(params, v)
    assert abs(float(loss) + by_hand.elbo) < TOL
    assert max(largest(auto[k], by_hand.grads[k]) for k in params) < TOL


def test_a_misplaced_stop_gradient_is_caught(rng):
    """The comparison can fail: the stop-gradient on the other term flips the sign."""
    x, τ = rng.normal(size=4), 0.5
    g = gl.gumbel_noise(4, rng=0)

    def wrong(x):
        y = relaxed(x, g, τ)
        return f(jax.nn.one_hot(jnp.argmax(x + g), 4) - y + jax.lax.stop_gradient(y))

    hand = gl.straight_through_gumbel_softmax(
        x, f_grad(gl.one_hot((x + g).argmax(), 4)), tau=τ, rng=0
    ).grad
    assert largest(jax.grad(wrong)(x), hand) > 1e-3


def test_the_straight_through_value_is_exactly_one_hot():
    """z - sg(y) + y is exactly z in float64 (notebook 02's aside); z + y - sg(y) is not always."""
    x, τ = np.log([0.1, 0.2, 0.3, 0.4]), 0.5
    G = gl.gumbel_noise((100_000, 4), rng=1)
    z = np.eye(4)[(x + G).argmax(axis=1)]
    value = np.asarray(jax.jit(straight_through)(x, G, τ))
    assert np.array_equal(value, z)

    def other_order(x, g, τ):
        y = relaxed(x, g, τ)
        return jax.nn.one_hot(jnp.argmax(x + g, axis=-1), 4) + y - jax.lax.stop_gradient(y)

    not_exact = (np.asarray(jax.jit(other_order)(x, G, τ)) != z).any(axis=1).mean()
    assert 0.1 < not_exact < 0.4  # the order the notebooks warn against


def test_straight_through_with_custom_vjp_is_the_stop_gradient_line(rng):
    """Notebook 08's exercise 3: the VJP written by hand equals the stop-gradient version."""

    @jax.custom_vjp
    def st_custom(x, g, τ):
        return jax.nn.one_hot(jnp.argmax(x + g, axis=-1), x.shape[-1])

    def forward(x, g, τ):
        return st_custom(x, g, τ), (relaxed(x, g, τ), τ)

    def backward(residuals, u):
        y, τ = residuals
        return y / τ * (u - jnp.sum(u * y, axis=-1, keepdims=True)), None, None

    st_custom.defvjp(forward, backward)
    for τ in (0.3, 1.0, 2.5):
        x, g = rng.normal(size=4), gl.gumbel_noise(4, rng=rng)
        assert np.array_equal(st_custom(x, g, τ), straight_through(x, g, τ))
        auto = jax.grad(lambda x, g=g, τ=τ: f(st_custom(x, g, τ)))(x)
        sg_grad = jax.grad(lambda x, g=g, τ=τ: f(straight_through(x, g, τ)))(x)
        assert largest(auto, sg_grad) < TOL


def test_importing_gumbel_lib_does_not_import_jax():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import sys, gumbel_lib.exercises; print('jax' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"
