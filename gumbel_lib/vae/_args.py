"""The VAE's argument checks and the names they check against: what every module of
:mod:`gumbel_lib.vae` needs before it computes (private to the package).

The generic checks (numbers, counts, choices) are in :mod:`gumbel_lib._checks`; these are
the model's own: a ``params`` dict, binary pixels ``v`` that fit it, the arrays of a layer,
the relaxed objective.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_float_array, check_choice, check_tau

#: The parameters: encoder layers 1 and 2, then decoder layers 1 and 2.
PARAM_NAMES = ("enc_W1", "enc_b1", "enc_W2", "enc_b2", "dec_W1", "dec_b1", "dec_W2", "dec_b2")

#: A model: one array per name of :data:`PARAM_NAMES`.
Params = dict[str, np.ndarray]

#: The two objectives of the relaxed VAE (``kl`` of ``grads_gumbel_softmax``).
KL_CHOICES = ("categorical", "concrete")


def check_params(params: Any) -> Params:
    """``params`` if it is a model: a dict with the keys of :data:`PARAM_NAMES`."""
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict with the keys {PARAM_NAMES} (from init_params); "
            f"got {type(params).__name__}"
        )
    if set(params) != set(PARAM_NAMES):
        raise ValueError(f"params must be a dict with the keys {PARAM_NAMES}; got {sorted(params)}")
    return params


def check_pixels(
    v: ArrayLike, n_pixels: int, name: str = "v", *, stack: bool = False
) -> np.ndarray:
    """Binary pixels ``v`` of shape (n, ``n_pixels``), n >= 1, as a float array; with
    ``stack=True`` any leading axes (a stack of models) are allowed, (..., n, ``n_pixels``)."""
    x = as_float_array(v, name)
    shape_ok = x.ndim >= 2 if stack else x.ndim == 2
    if not shape_ok or x.shape[-1] != n_pixels or x.shape[-2] == 0:
        lead = "..., " if stack else ""
        raise ValueError(f"{name} must have shape ({lead}n, {n_pixels}); got {x.shape}")
    if not ((x == 0) | (x == 1)).all():
        raise ValueError(f"{name} must hold binary pixels, 0 or 1 (see gumbel_lib.data.binarize)")
    return x


def check_model_input(params: Any, v: ArrayLike) -> tuple[Params, np.ndarray]:
    """The checked ``params`` and binary pixels ``v`` of shape (n, P) that fit them."""
    params = check_params(params)
    return params, check_pixels(v, params["dec_b2"].shape[0])


def check_array(value: Any, name: str, min_ndim: int, shape: str) -> np.ndarray:
    """A finite float array with at least ``min_ndim`` axes, none of its last ``min_ndim``
    empty; ``shape`` says which, as the docstring writes it (``"(n, i)"``)."""
    a = as_float_array(value, name)
    if a.ndim < min_ndim or 0 in a.shape[a.ndim - min_ndim :]:
        raise ValueError(f"{name} must have shape {shape} (leading axes: a stack); got {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite")
    return a


def check_binary(value: Any, name: str) -> np.ndarray:
    """Binary pixels of any shape with at least one axis, as a float array."""
    v = check_array(value, name, 1, "(..., P)")
    if not ((v == 0) | (v == 1)).all():
        raise ValueError(f"{name} must hold binary pixels, 0 or 1 (see gumbel_lib.data.binarize)")
    return v


def check_stacks(**leading: tuple[int, ...]) -> None:
    """The leading (stack) axes of a layer's arrays must broadcast against each other."""
    try:
        np.broadcast_shapes(*leading.values())
    except ValueError:
        given = ", ".join(f"{name} {shape}" for name, shape in leading.items())
        raise ValueError(
            f"the leading axes (one per model of a stack) of {', '.join(leading)} must "
            f"broadcast against each other; got {given}"
        ) from None


def check_same_shape(value: np.ndarray, name: str, shape: tuple[int, ...], of: str) -> None:
    """``value`` must have ``shape``, that of the argument ``of``."""
    if value.shape != shape:
        raise ValueError(f"{name} must have the shape of {of} {shape}; got {value.shape}")


def latent_shape(params: Params) -> tuple[int, int]:
    """``(m, d)``: the number of categorical choices and of categories of each (of every
    model of a stack)."""
    m, d = params["enc_b2"].shape[-2:]
    return int(m), int(d)


def check_kl(kl: Any, prior_tau: Any, name: str = "gumbel_softmax") -> tuple[str, float | None]:
    """The objective ``kl`` (one of :data:`KL_CHOICES`) and ``prior_tau``, checked for the
    estimator ``name``: only Gumbel-softmax decodes relaxed samples, so only it takes the
    Concrete objective and its prior's temperature."""
    kl = check_choice(kl, "kl", KL_CHOICES)
    if kl == "concrete" and name != "gumbel_softmax":
        raise ValueError(
            f'kl="concrete" is the relaxed objective of Gumbel-softmax (Maddison et al.); '
            f"the estimator {name!r} decodes one-hot samples and takes the categorical KL"
        )
    if prior_tau is not None:
        if kl != "concrete":
            raise ValueError(
                'prior_tau is the prior\'s temperature of kl="concrete"; got kl=' + repr(kl)
            )
        prior_tau = check_tau(prior_tau, "prior_tau")
    return kl, prior_tau
