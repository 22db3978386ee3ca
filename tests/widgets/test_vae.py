"""The τ explorer of notebook 07: a relaxed latent of the digits VAE, decoded to a picture."""

from __future__ import annotations

import numpy as np
import pytest

from gumbel_lib import gumbel_noise, softmax, vae
from gumbel_lib.widgets.vae import vae_tau_explorer


@pytest.fixture(scope="module")
def model(digits):
    xb, _ = digits
    params = vae.train(xb, "exact", 100, batch_size=50, lr=1e-2, hidden=32, eval_every=100).params
    return params, xb[5]


def reference(params, image, seed, tau):
    """y and the decoded picture, recomputed here from the encoder and decoder."""
    g = gumbel_noise(10, rng=seed)
    x = vae.encode(params, image[None])[0][0, 0]
    y = softmax((x + g) / tau)
    ell = vae.decode(params, y[None, None, :])[0][0]
    return y, 1 / (1 + np.exp(-ell))


def heights(ex):
    return np.array([b.get_height() for b in ex.bars])


def test_initial_state_and_slider_updates_in_place(model):
    params, image = model
    ex = vae_tau_explorer(params, image, seed=4, tau=1.0)
    fig, axes, bars = ex.fig, list(ex.fig.axes), list(ex.bars)
    for tau in [1.0, 0.05, 0.3, 5.0, 100.0]:
        ex.slider.value = tau
        y, pixels = reference(params, image, 4, tau)
        np.testing.assert_allclose(heights(ex), y, rtol=1e-10, atol=1e-300)
        np.testing.assert_allclose(ex.picture.get_array(), pixels.reshape(8, 8), rtol=1e-10)
        np.testing.assert_allclose(ex.latent, y, rtol=1e-10, atol=1e-300)
        assert ex.caption == f"τ = {tau:#.3g}".removesuffix(".") + (
            f"   largest y_k = {y.max():.2f} (k = {int(y.argmax())})"
        )
        assert ex.fig is fig and list(fig.axes) == axes and list(ex.bars) == bars


def test_small_tau_draws_a_prototype_large_tau_a_blend(model):
    params, image = model
    ex = vae_tau_explorer(params, image, seed=1, tau=0.01)
    k = int(np.argmax(ex.latent))
    protos = 1 / (1 + np.exp(-vae.category_images(params)))
    np.testing.assert_allclose(ex.picture.get_array(), protos[k].reshape(8, 8), atol=1e-3)
    ex.slider.value = 100.0
    assert np.abs(ex.latent - 0.1).max() < 0.02
    # the blend is far from every prototype
    dist = np.abs(protos - np.asarray(ex.picture.get_array()).ravel()).max(axis=1)
    assert dist.min() > 0.05


def test_re_running_the_cell_closes_the_previous_explorer(model):
    from ipywidgets.widgets import widget as widget_module

    first = vae_tau_explorer(*model, seed=0)
    first.slider.value = 2.0
    registered = len(widget_module._instances)
    for _ in range(4):  # re-running `explorer = vae_tau_explorer(...)`
        latest = vae_tau_explorer(*model, seed=0)
        latest.slider.value = 2.0
    assert first.closed and not latest.closed
    assert len(widget_module._instances) == registered
    latest.close()
    with pytest.raises(RuntimeError, match="closed"):
        latest.draw(tau=1.0)


def test_the_figure_renders(model):
    ex = vae_tau_explorer(*model, seed=0)
    assert ex.render_png()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"seed": -1}, ValueError, "seed must be"),
        ({"tau": 0.001}, ValueError, "tau must be between"),
        ({"image": np.full(64, 0.5)}, ValueError, "binary pixels"),
        ({"image": np.ones(10)}, ValueError, r"\(n, 64\)"),
        ({"params": {"enc_W1": np.ones(2)}}, ValueError, "params must be a dict"),
    ],
)
def test_bad_input(model, kwargs, error, words):
    params, image = model
    args = {"params": params, "image": image, "seed": 0, "tau": 1.0, **kwargs}
    with pytest.raises(error, match=words):
        vae_tau_explorer(**args)


def test_eight_categoricals_are_refused(model):
    params = vae.init_params(0, hidden=8, m=8, d=4)
    with pytest.raises(ValueError, match="m = 1"):
        vae_tau_explorer(params, model[1])


def test_alt_text_counts_the_model_categories(model):
    """The description names the model's number of categories, not always ten."""
    params4 = vae.init_params(0, hidden=8, m=1, d=4)
    ex = vae_tau_explorer(params4, model[1], seed=0)
    assert "over 4 categories" in ex.alt and "10 categories" not in ex.alt
    assert "over 10 categories" in vae_tau_explorer(*model, seed=0).alt


def test_a_model_of_sixteen_pixels_is_drawn_four_by_four():
    params = vae.init_params(0, n_pixels=16, hidden=8, m=1, d=3)
    image = (np.arange(16) % 3 == 0).astype(float)
    ex = vae_tau_explorer(params, image, seed=2, tau=0.5)
    assert ex.picture.get_array().shape == (4, 4)
    ex.slider.value = 2.0
    _, pixels = vae.relaxed_decoding(params, image, ex.noise, 2.0)
    np.testing.assert_allclose(ex.picture.get_array(), pixels.reshape(4, 4), rtol=1e-12)


def test_images_that_are_not_square_are_refused_by_name():
    params = vae.init_params(0, n_pixels=15, hidden=8, m=1, d=3)
    with pytest.raises(ValueError, match="params must describe square images"):
        vae_tau_explorer(params, np.zeros(15), seed=0)


@pytest.mark.parametrize(("seed", "error"), [(True, TypeError), ("1", TypeError), (1.0, TypeError)])
def test_a_seed_of_the_wrong_type_is_a_type_error(model, seed, error):
    with pytest.raises(error, match="seed must be an int"):
        vae_tau_explorer(*model, seed=seed)
