r"""A categorical variational autoencoder in NumPy, with every gradient written out.

Used by ``notebooks/07_categorical_vae``. An image :math:`v \in \{0, 1\}^{P}` (``P = 64``
binarised pixels) is explained by a latent made of :math:`m` independent categorical
choices with :math:`d` categories each (``m`` and ``d`` below; :math:`m = 1, d = 10` for
the digits). All parameters live in one dict, ``params`` (:data:`PARAM_NAMES`).

* **Encoder** :math:`q_\theta(z \mid v)`: :math:`x = \tanh(v W_1 + \beta_1) W_2 + \beta_2` (a row
  vector per image, as in :func:`dense`), the logits :math:`x` of shape ``(m, d)``, and
  :math:`q = \operatorname{softmax}(x)` per choice.
* **Decoder** :math:`p_\theta(v \mid z)`: the one-hot (or relaxed) latent
  :math:`z \in \mathbb{R}^{m \cdot d}` goes through :math:`\ell = \tanh(z V_1 + c_1) V_2 + c_2`,
  the pixel logits; every pixel is Bernoulli with :math:`P(v_p = 1) = \sigma(\ell_p)`.
* **Prior**: uniform over the :math:`d^m` configurations.
* **ELBO** of one image, with the KL to the uniform prior computed exactly:

  .. math::

      \mathcal{L}(v) = \mathbb{E}_{z \sim q}[\log p(v \mid z)]
      - \sum_{j=1}^{m} \sum_{i=0}^{d-1} q_{ji} \log (d\, q_{ji}).

The gradient of the KL term is exact for every estimator; the estimators differ in the
first term. For ``m = 1`` it is a sum of ``d`` terms, so its gradient can be computed
exactly by enumeration (:func:`grads_exact`), the gold standard for the three estimators
:func:`grads_gumbel_softmax`, :func:`grads_straight_through_gumbel_softmax` and
:func:`grads_reinforce_loo`.

Gumbel-softmax trains a relaxed objective, and ``kl`` chooses which: the categorical KL
of Jang, Gu & Poole (2017), exact, or the Concrete densities of Maddison, Mnih & Teh
(2017) for both terms, in log space (:func:`grads_gumbel_softmax`).

Every ``grads_*`` function returns an :class:`Estimate` of the *loss*
:math:`-\frac1N \sum_n \mathcal{L}(v_n)` over a minibatch, which :func:`adam_step`
minimises. Layers are plain functions: a forward that returns what its backward needs.
The layers also take a stack of models (a leading axis on every parameter and on the
images), which :func:`train_seeds` uses to train one model per seed in the same calls.

One module per concern, all names importable from ``gumbel_lib.vae`` itself:

* :mod:`~gumbel_lib.vae.layers`: a dense layer, ``tanh``, the Bernoulli log-likelihood and
  the KL to the uniform prior, each a forward and a backward;
* :mod:`~gumbel_lib.vae.model`: the parameters, the encoder and the decoder, the ELBO;
* :mod:`~gumbel_lib.vae.gradients`: the exact gradient and the three estimators, named as in
  :data:`gumbel_lib.estimators.REGISTRY` (:data:`GRADIENT_METHODS`: ``"exact"`` and those,
  :data:`LABELS`);
* :mod:`~gumbel_lib.vae.optimiser`: Adam; :mod:`~gumbel_lib.vae.schedule`: the annealed τ;
* :mod:`~gumbel_lib.vae.training`: :func:`train` and :func:`train_seeds`;
* :mod:`~gumbel_lib.vae.metrics`: how the categories line up with the labels.

Private to the package: ``_args`` (the model's argument checks), ``_kernels`` (unchecked
array kernels: the layers, the encoder's and decoder's forward passes) and ``_gradient_kernels``
(the estimators, unchecked, one table of them). The public layer functions check their
arguments and call those kernels; the training loop calls the kernels directly.

Renamed (the old names still work, with a ``DeprecationWarning``, for one version):
``ESTIMATORS`` is :data:`GRADIENT_METHODS`, ``grads_st_gumbel`` is
:func:`grads_straight_through_gumbel_softmax`, and the pixels ``xb=`` (``eval_xb=``) are ``v=``
(``eval_v=``), as in the notebooks.
"""

from __future__ import annotations

from .._deprecation import renamed_attributes
from ._args import PARAM_NAMES
from .gradients import (
    CONDITIONAL_GRADIENT_METHODS,
    GRADIENT_METHODS,
    KL_CHOICES,
    LABELS,
    Estimate,
    estimate_gradients,
    grads_exact,
    grads_gumbel_softmax,
    grads_reinforce_loo,
    grads_straight_through_gumbel_softmax,
    logit_gradient_samples,
)
from .gradients import (
    grads_st_gumbel as grads_st_gumbel,  # the deprecated name: not in __all__
)
from .layers import (
    bernoulli_log_likelihood,
    bernoulli_log_likelihood_grad,
    dense,
    dense_backward,
    kl_to_uniform,
    kl_to_uniform_grad,
    tanh_backward,
)
from .metrics import cluster_purity, confusion_matrix
from .model import (
    category_images,
    decode,
    decode_backward,
    elbo_exact,
    elbo_monte_carlo,
    encode,
    encode_backward,
    init_params,
    reconstruction_table,
    relaxed_decoding,
)
from .optimiser import AdamState, adam_init, adam_step
from .schedule import tau_schedule
from .training import SeedsResult, TrainResult, train, train_seeds

__all__ = [
    "CONDITIONAL_GRADIENT_METHODS",
    "GRADIENT_METHODS",
    "PARAM_NAMES",
    "AdamState",
    "Estimate",
    "KL_CHOICES",
    "LABELS",
    "SeedsResult",
    "TrainResult",
    "adam_init",
    "adam_step",
    "bernoulli_log_likelihood",
    "bernoulli_log_likelihood_grad",
    "category_images",
    "cluster_purity",
    "confusion_matrix",
    "decode",
    "decode_backward",
    "dense",
    "dense_backward",
    "elbo_exact",
    "elbo_monte_carlo",
    "encode",
    "encode_backward",
    "estimate_gradients",
    "grads_exact",
    "grads_gumbel_softmax",
    "grads_reinforce_loo",
    "grads_straight_through_gumbel_softmax",
    "init_params",
    "kl_to_uniform",
    "kl_to_uniform_grad",
    "logit_gradient_samples",
    "reconstruction_table",
    "relaxed_decoding",
    "tanh_backward",
    "tau_schedule",
    "train",
    "train_seeds",
]

__getattr__ = renamed_attributes(__name__, {"ESTIMATORS": "GRADIENT_METHODS"})
