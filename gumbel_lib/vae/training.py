r"""Training the VAE with Adam and one of its gradient estimators, for one seed or for several
seeds at once (every parameter of a stack of models trained in the same calls)."""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .._checks import (
    as_float_array,
    as_generator,
    check_choice,
    check_int,
    check_n,
    check_real,
    check_tau,
)
from .._deprecation import renamed_keywords
from .._kernels import softmax
from ..estimators import REGISTRY
from ._args import PARAM_NAMES, Params, check_kl, check_pixels
from ._gradient_kernels import estimate_parts
from ._kernels import adam_in_place, decode, encode, kl_terms, transpose
from .gradients import GRADIENT_METHODS
from .model import elbo_monte_carlo, encode_backward, init_params

__all__ = ["SeedsResult", "TrainResult", "train", "train_seeds"]


class TrainResult(NamedTuple):
    """The outcome of :func:`train`."""

    params: Params
    """The trained parameters."""
    steps: np.ndarray
    """The steps at which the ELBO was evaluated (0 = before training)."""
    elbo: np.ndarray
    """The mean ELBO of the evaluation images at those steps (exact if ``m = 1``)."""
    taus: np.ndarray
    """The temperature used at every step."""
    checkpoints: dict[int, Params]
    """Copies of the parameters at the requested steps."""
    seconds: float
    """Wall-clock time of the training steps (evaluations excluded)."""


class SeedsResult(NamedTuple):
    """The outcome of :func:`train_seeds`: one model per seed, trained together."""

    params: list[Params]
    """The trained parameters, one dict per seed."""
    steps: np.ndarray
    """The steps at which the ELBO was evaluated (0 = before training)."""
    elbo: np.ndarray
    """The mean ELBO of the evaluation images, shape (n_seeds, len(steps))."""
    taus: np.ndarray
    """The temperature used at every step (the same for every seed)."""
    checkpoints: dict[int, list[Params]]
    """Copies of the parameters at the requested steps, one dict per seed."""
    seconds: float
    """Wall-clock time of the training steps of all seeds (evaluations excluded)."""


@renamed_keywords(xb="v", eval_xb="eval_v")
def train(
    v: ArrayLike,
    name: str,
    steps: int = 1000,
    *,
    batch_size: int = 100,
    lr: float = 3e-3,
    hidden: int = 64,
    m: int = 1,
    d: int = 10,
    n_samples: int = 4,
    tau: Callable[[int], float] | float = 1.0,
    kl: str = "categorical",
    prior_tau: float | None = None,
    seed: Any = 0,
    eval_v: ArrayLike | None = None,
    eval_every: int = 100,
    eval_samples: int = 4,
    checkpoints: tuple[int, ...] = (),
) -> TrainResult:
    r"""Train the VAE on binary images ``v`` with Adam and the estimator ``name``.

    The initial parameters, the minibatch order and the Gumbel noise come from three
    generators spawned from ``seed`` (a non-negative int, or a ``numpy.random.Generator``,
    checked by ``as_generator``): two estimators trained with the same seed start
    from the same model and see the same minibatches. ``tau`` is a number or a function
    of the step (e.g. a :func:`tau_schedule`); ``kl`` and ``prior_tau`` choose the
    objective of Gumbel-softmax (:func:`grads_gumbel_softmax`). Every ``eval_every`` steps
    the mean ELBO of the images ``eval_v`` (default: the training images ``v``) is
    recorded: exact (:func:`elbo_exact`) for ``m = 1``, else :func:`elbo_monte_carlo`
    with ``eval_samples`` samples per image and a fixed seed. :func:`train_seeds` with
    ``seeds=[seed]``, unpacked.

    Examples
    --------
    >>> v = (np.random.default_rng(0).random((200, 64)) < 0.3).astype(float)
    >>> res = train(v, "exact", 50, eval_every=50, hidden=16)
    >>> res.steps, bool(res.elbo[-1] > res.elbo[0])
    (array([ 0, 50]), True)
    """
    if isinstance(seed, (list, tuple, np.ndarray)):
        raise TypeError(
            "seed must be one non-negative int or a numpy.random.Generator; "
            "for several seeds call train_seeds(..., seeds=[...])"
        )
    res = train_seeds(
        v,
        name,
        steps,
        seeds=[seed],
        batch_size=batch_size,
        lr=lr,
        hidden=hidden,
        m=m,
        d=d,
        n_samples=n_samples,
        tau=tau,
        kl=kl,
        prior_tau=prior_tau,
        eval_v=eval_v,
        eval_every=eval_every,
        eval_samples=eval_samples,
        checkpoints=checkpoints,
    )
    saved = {step: models[0] for step, models in res.checkpoints.items()}
    return TrainResult(res.params[0], res.steps, res.elbo[0], res.taus, saved, res.seconds)


def _check_steps(checkpoints: Any, steps: int) -> set[int]:
    if isinstance(checkpoints, (str, bytes)) or not isinstance(
        checkpoints, (tuple, list, set, frozenset, range, np.ndarray)
    ):
        raise TypeError(
            f"checkpoints must be a tuple of steps (ints from 0 to {steps}); "
            f"got {type(checkpoints).__name__} {checkpoints!r}"
        )
    return {
        check_int(c, "checkpoints", low=0, high=steps, what="a step of the training")
        for c in checkpoints
    }


@renamed_keywords(xb="v", eval_xb="eval_v")
def train_seeds(
    v: ArrayLike,
    name: str,
    steps: int = 1000,
    *,
    seeds: Any = (0, 1, 2, 3, 4),
    batch_size: int = 100,
    lr: float = 3e-3,
    hidden: int = 64,
    m: int = 1,
    d: int = 10,
    n_samples: int = 4,
    tau: Callable[[int], float] | float = 1.0,
    kl: str = "categorical",
    prior_tau: float | None = None,
    eval_v: ArrayLike | None = None,
    eval_every: int = 100,
    eval_samples: int = 4,
    checkpoints: tuple[int, ...] = (),
) -> SeedsResult:
    r"""Train one model per seed, all together: what :func:`train` does, for every seed.

    Every parameter gets a leading axis, one entry per seed, and every layer runs on the
    whole stack at once (``a @ W`` multiplies matching matrices of the stack), so ``S``
    seeds cost little more than one run. Seed ``i``'s model is the one
    ``train(..., seed=seeds[i])`` trains (up to rounding): its own initial parameters,
    minibatch order and Gumbel noise, from three generators spawned from its seed. The
    other arguments are those of :func:`train`.

    Examples
    --------
    >>> v = (np.random.default_rng(0).random((200, 64)) < 0.3).astype(float)
    >>> res = train_seeds(v, "reinforce_loo", 40, seeds=[0, 1, 2], eval_every=40, hidden=8)
    >>> res.elbo.shape, len(res.params)
    ((3, 2), 3)
    >>> one = train(v, "reinforce_loo", 40, seed=1, eval_every=40, hidden=8)
    >>> bool(np.allclose(one.elbo, res.elbo[1]))
    True
    """
    x = as_float_array(v, "v")
    n_pixels = x.shape[-1] if x.ndim == 2 else 64
    x = check_pixels(x, n_pixels)
    name = check_choice(name, "name", GRADIENT_METHODS)
    kl, prior_tau = check_kl(kl, prior_tau, name)
    steps = check_n(steps, "steps", what="the number of training steps")
    batch_size = check_n(batch_size, "batch_size", what="the minibatch size")
    lr = check_real(lr, "lr", low=0, low_open=True)
    eval_every = check_n(eval_every, "eval_every", what="steps between evaluations")
    eval_samples = check_n(eval_samples, "eval_samples", low=2, what="latents per image")
    m = check_n(m, "m", what="the number of categorical latents")
    if name == "exact" and m != 1:
        raise ValueError(f'name="exact" enumerates one categorical (m = 1); got m = {m}')
    n_samples = check_n(
        n_samples,
        "n_samples",
        low=REGISTRY[name].min_samples if name in REGISTRY else 1,
        what="latents per image",
    )
    saved_at = _check_steps(checkpoints, steps)
    fixed_tau = None if callable(tau) else check_tau(tau)
    x_eval = x if eval_v is None else check_pixels(eval_v, n_pixels, "eval_v")
    if isinstance(seeds, (str, bytes, numbers.Number, np.random.Generator)) or not hasattr(
        seeds, "__len__"
    ):
        raise TypeError(f"seeds must be a list of seeds (non-negative ints); got {seeds!r}")
    if len(seeds) == 0:
        raise ValueError("seeds must hold at least one seed")
    gens = [as_generator(s, "seeds") for s in seeds]
    init_rngs, batch_rngs, noise_rngs = zip(*(g.spawn(3) for g in gens), strict=True)
    noise_rngs = list(noise_rngs)
    n_seeds = len(gens)
    pixel_mean = x.mean(axis=0)
    models = [init_params(g, n_pixels, hidden, m, d, pixel_mean=pixel_mean) for g in init_rngs]
    # Adam runs on all parameters of all seeds as one array θ (n_seeds, N): the same update,
    # element by element, in a dozen NumPy calls; ``params`` holds views of θ, with the seed
    # axis first. θ is never changed in place, so saved checkpoints stay valid.
    shapes = [models[0][p].shape for p in PARAM_NAMES]
    ends = np.cumsum([models[0][p].size for p in PARAM_NAMES]).tolist()
    starts = [0, *ends[:-1]]

    def flat(arrays: Params) -> dict[str, np.ndarray]:
        return {"θ": np.concatenate([arrays[p].reshape(n_seeds, -1) for p in PARAM_NAMES], 1)}

    def unflat(theta: np.ndarray) -> Params:
        return {
            p: theta[:, a:b].reshape(n_seeds, *shape)
            for p, a, b, shape in zip(PARAM_NAMES, starts, ends, shapes, strict=True)
        }

    def split(stack: Params) -> list[Params]:
        return [{p: arr[i] for p, arr in stack.items()} for i in range(n_seeds)]

    theta = flat({p: np.stack([mod[p] for mod in models]) for p in PARAM_NAMES})["θ"]
    params = unflat(theta)
    moment1, moment2 = np.zeros_like(theta), np.zeros_like(theta)

    def evaluate(stack: Params) -> np.ndarray:
        if m == 1:  # blocks of 64 rows: see _kernels.by_rows
            blocks = range(0, x_eval.shape[0], 64)
            elbo = [_exact_parts_elbo(stack, x_eval[i : i + 64]) for i in blocks]
            return np.concatenate(elbo, axis=-1).mean(axis=-1)
        return np.array(
            [elbo_monte_carlo(p, x_eval, eval_samples, rng=12345)[0] for p in split(stack)]
        )

    evals, taus, saved = [(0, evaluate(params))], np.empty(steps), {}
    if 0 in saved_at:
        saved[0] = split(params)
    n = x.shape[0]
    orders, pos, seconds = [r.permutation(n) for r in batch_rngs], 0, 0.0
    for t in range(1, steps + 1):
        start = time.perf_counter()
        if pos + batch_size > n:
            orders, pos = [r.permutation(n) for r in batch_rngs], 0
        batch = x[np.stack([o[pos : pos + batch_size] for o in orders])]  # (n_seeds, batch, P)
        pos += batch_size
        taus[t - 1] = fixed_tau if fixed_tau is not None else check_tau(tau(t - 1), "tau(step)")
        enc_cache, grad_logits, dec, _ = estimate_parts(
            name, params, batch, taus[t - 1], noise_rngs, n_samples, kl, prior_tau, elbo=False
        )
        grads = {**encode_backward(params, enc_cache, grad_logits), **dec}
        theta = adam_in_place(theta, flat(grads)["θ"], moment1, moment2, t, lr)
        params = unflat(theta)
        seconds += time.perf_counter() - start
        if t % eval_every == 0 or t == steps:
            evals.append((t, evaluate(params)))
        if t in saved_at:
            saved[t] = split(params)
    at = np.array([t for t, _ in evals])
    elbo = np.stack([e for _, e in evals], axis=1)
    return SeedsResult(split(params), at, elbo, taus, saved, seconds)


def _exact_parts_elbo(params: Params, v: np.ndarray) -> np.ndarray:
    """The exact ELBO of each image (``m = 1``) for one model or a stack: shape (..., n)."""
    d = params["enc_b2"].shape[-1]
    lead = params["enc_b2"].shape[:-2]
    logits = encode(params, v)[0]
    q = softmax(logits)[..., 0, :]
    ell = decode(params, np.broadcast_to(np.eye(d)[:, None, :], (*lead, d, 1, d)))[0]
    f = v @ transpose(ell) - np.logaddexp(0.0, ell).sum(axis=-1)[..., None, :]
    return (q * f).sum(axis=-1) - kl_terms(logits)[0]
