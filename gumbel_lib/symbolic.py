r"""The Gumbel-max theorem derived step by step with SymPy (imported lazily).

The statement: with :math:`g_0, \dots, g_{d-1}` i.i.d. Gumbel(0, 1),

.. math::

    P\bigl(\arg\max_i (x_i + g_i) = k\bigr)
    = \int_{-\infty}^{\infty} \rho(g) \prod_{i \ne k} F(g + x_k - x_i)\, dg
    = \frac{e^{x_k}}{\sum_i e^{x_i}},

where :math:`\rho(g) = e^{-g} e^{-e^{-g}}` and :math:`F(g) = e^{-e^{-g}}` are the Gumbel
density and distribution function. After the substitution :math:`t = e^{-g}` the
integral is the integral of one exponential, which SymPy evaluates at once.

Every function is pure and returns SymPy objects. The ``note_*`` functions build the
steps as a widely read blog note wrote them, so that ``notebooks/05_proof_sympy`` can
show with SymPy where they go wrong. Categories are numbered from 0, as in NumPy.

This module is the only place in ``gumbel_lib`` that imports SymPy; access it as
``gumbel_lib.symbolic`` (``import gumbel_lib`` alone does not load SymPy).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import sympy as sp

from ._checks import check_bool

__all__ = [
    "G",
    "T",
    "Substitution",
    "GeneralDerivation",
    "logit_symbols",
    "gumbel_pdf_expr",
    "gumbel_cdf_expr",
    "softmax_expr",
    "argmax_probability_integrand",
    "substitute_t",
    "argmax_probability",
    "general_derivation",
    "at_dimension",
    "note_integrand",
    "note_merged_integrand",
    "unflipped_substitution",
]

#: The Gumbel variable of integration (real).
G = sp.Symbol("g", real=True)
#: The substituted variable :math:`t = e^{-g}` (positive).
T = sp.Symbol("t", positive=True)

# The symbols of the derivation for a symbolic number of categories d.
_I = sp.Symbol("i", integer=True, nonnegative=True)
_K = sp.Symbol("k", integer=True, nonnegative=True)
_D = sp.Symbol("d", integer=True, positive=True)
_Z = sp.Symbol("Z", positive=True)
_X = sp.IndexedBase("x", real=True)


# --------------------------------------------------------------------------- checks


def _check_d(d: object, name: str = "d") -> int:
    if isinstance(d, bool) or not isinstance(d, numbers.Integral):
        raise TypeError(f"{name} must be an int (the number of categories); got {d!r}")
    if d < 1:
        raise ValueError(f"{name} must be >= 1; got {d}")
    return int(d)


def _check_logit(v: object, name: str) -> sp.Expr:
    """One logit: a real number, or a SymPy expression that SymPy knows to be real and finite.

    Strings are refused: ``sympify`` would evaluate them as Python code. A symbol must be
    declared real (``sp.Symbol("a", real=True)``): without that SymPy cannot evaluate the
    integrals, and the error would come late and name no argument.
    """
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number or a SymPy expression, not a bool: {v!r}")
    if isinstance(v, sp.Basic):
        if not isinstance(v, sp.Expr):
            raise TypeError(f"{name} must be a real number or a SymPy expression; got {v!r}")
        expr = v
    elif isinstance(v, numbers.Real):
        expr = sp.sympify(v)  # a number: no code is evaluated
    else:
        raise TypeError(
            f"{name} must be a real number or a SymPy expression (strings are not accepted);"
            f" got {v!r} of type {type(v).__name__}"
        )
    if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or expr.is_finite is False:
        raise ValueError(f"{name} must be a finite real logit (no NaN or infinity); got {expr}")
    if expr.is_extended_real is False:
        raise ValueError(f"{name} must be a real logit; got {expr}")
    if expr.is_extended_real is None:
        unknown = sorted(str(s) for s in expr.free_symbols if s.is_extended_real is not True)
        hint = (
            f"declare {', '.join(unknown)} real, e.g. sp.Symbol({unknown[0]!r}, real=True)"
            if unknown
            else "use real symbols and functions that stay real on them"
        )
        raise ValueError(
            f"{name} must be a real logit, and SymPy cannot tell that {expr} is real: {hint}"
        )
    return expr


def _check_logits(x: object, name: str = "x") -> tuple[sp.Expr, ...]:
    if isinstance(x, (str, bytes, sp.Basic)) or not isinstance(x, Sequence):
        raise TypeError(f"{name} must be a sequence of numbers or SymPy expressions; got {x!r}")
    out = tuple(_check_logit(v, f"{name}[{i}]") for i, v in enumerate(x))
    if not out:
        raise ValueError(f"{name} must hold at least one logit")
    return out


def _check_k(k: object, d: int) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an int (a category index); got {k!r}")
    if not 0 <= k < d:
        raise ValueError(f"k must lie in 0 .. {d - 1} (0-based, as in NumPy); got {k}")
    return int(k)


def _check_symbol(s: object, name: str) -> sp.Symbol:
    if not isinstance(s, sp.Symbol):
        raise TypeError(f"{name} must be a SymPy Symbol; got {s!r}")
    return s


# ----------------------------------------------------------------------- building blocks


def logit_symbols(d: int) -> tuple[sp.Symbol, ...]:
    r"""Real symbols :math:`x_0, \dots, x_{d-1}` for the logits.

    Examples
    --------
    >>> logit_symbols(3)
    (x_0, x_1, x_2)
    >>> logit_symbols(3)[0].is_real
    True
    """
    d = _check_d(d)
    return tuple(sp.Symbol(f"x_{i}", real=True) for i in range(d))


def gumbel_pdf_expr(g: sp.Symbol = G) -> sp.Expr:
    r"""Density of Gumbel(0, 1): :math:`\rho(g) = e^{-g}\, e^{-e^{-g}}`.

    It is the derivative of :func:`gumbel_cdf_expr` and integrates to 1 over the real line.

    Examples
    --------
    >>> rho = gumbel_pdf_expr()
    >>> rho
    exp(-g)*exp(-exp(-g))
    >>> sp.simplify(sp.diff(gumbel_cdf_expr(), G) - rho)
    0
    >>> sp.integrate(rho, (G, -sp.oo, sp.oo))
    1
    """
    g = _check_symbol(g, "g")
    return sp.exp(-g) * sp.exp(-sp.exp(-g))


def gumbel_cdf_expr(g: sp.Symbol = G) -> sp.Expr:
    r"""Distribution function of Gumbel(0, 1): :math:`F(g) = P(G \le g) = e^{-e^{-g}}`.

    Examples
    --------
    >>> F = gumbel_cdf_expr()
    >>> F
    exp(-exp(-g))
    >>> sp.limit(F, G, -sp.oo), sp.limit(F, G, sp.oo)
    (0, 1)
    """
    g = _check_symbol(g, "g")
    return sp.exp(-sp.exp(-g))


def softmax_expr(x: Sequence[sp.Expr], k: int) -> sp.Expr:
    r"""The softmax probability of category ``k``: :math:`e^{x_k} / \sum_i e^{x_i}`.

    Examples
    --------
    >>> x = logit_symbols(2)
    >>> softmax_expr(x, 0)
    exp(x_0)/(exp(x_0) + exp(x_1))
    """
    x = _check_logits(x)
    k = _check_k(k, len(x))
    return sp.exp(x[k]) / sp.Add(*[sp.exp(v) for v in x])


def argmax_probability_integrand(x: Sequence[sp.Expr], k: int, g: sp.Symbol = G) -> sp.Expr:
    r"""The integrand of :math:`P(\arg\max_i (x_i + g_i) = k)` over :math:`g = g_k`.

    Condition on the winner's noise :math:`g_k = g` (density :math:`\rho(g)`). Category
    :math:`i \ne k` loses when :math:`x_i + g_i < x_k + g`, i.e.
    :math:`g_i < g + x_k - x_i`, which has probability :math:`F(g + x_k - x_i)`; the
    noises are independent, so

    .. math::

        \rho(g) \prod_{i \ne k} F(g + x_k - x_i)
        = e^{-g} e^{-e^{-g}} \prod_{i \ne k} e^{-e^{-(g + x_k - x_i)}} .

    Parameters
    ----------
    x : sequence of SymPy expressions
        The logits :math:`x_0, \dots, x_{d-1}` (symbols or numbers).
    k : int
        The category, ``0 <= k < d``.
    g : Symbol, default :data:`G`
        The variable of integration.

    Examples
    --------
    >>> argmax_probability_integrand(logit_symbols(2), 0)
    exp(-g)*exp(-exp(-g))*exp(-exp(-g - x_0 + x_1))
    """
    x = _check_logits(x)
    k = _check_k(k, len(x))
    g = _check_symbol(g, "g")
    losers = [gumbel_cdf_expr(g).subs(g, g + x[k] - x[i]) for i in range(len(x)) if i != k]
    return gumbel_pdf_expr(g) * sp.Mul(*losers)


class Substitution(NamedTuple):
    """The integral over the real line rewritten with :math:`t = e^{-g}`."""

    direct: sp.Integral
    r""":math:`\int_{\infty}^{0} h(-\log t)(-1/t)\,dt`: limits in order, :math:`dg = -dt/t`."""
    flipped: sp.Integral
    r""":math:`\int_0^\infty h(-\log t)/t\,dt`: limits swapped, which cancels the minus sign."""


def substitute_t(integrand: sp.Expr, g: sp.Symbol = G, t: sp.Symbol = T) -> Substitution:
    r"""Rewrite :math:`\int_{-\infty}^{\infty} h(g)\,dg` with :math:`t = e^{-g}`.

    Then :math:`g = -\log t` and :math:`dg = -dt/t`. As :math:`g` runs from
    :math:`-\infty` to :math:`\infty`, :math:`t` runs from :math:`\infty` down to 0:

    .. math::

        \int_{-\infty}^{\infty} h(g)\,dg
        = \int_{\infty}^{0} h(-\log t)\Bigl(-\frac{1}{t}\Bigr) dt
        = \int_{0}^{\infty} \frac{h(-\log t)}{t}\,dt .

    The minus sign of :math:`dg` and the reversed limits cancel; both are needed.
    The new integrand is tidied with ``powsimp`` and ``factor_terms`` so that a product
    of exponentials becomes one :math:`e^{-c\,t}`, which SymPy integrates at once.

    Parameters
    ----------
    integrand : SymPy expression
        :math:`h(g)`.
    g, t : Symbol
        The old and the new variable; ``t`` should be declared positive.

    Returns
    -------
    Substitution
        ``direct`` (limits from ∞ to 0, with the minus sign) and ``flipped``
        (limits from 0 to ∞); unevaluated :class:`sympy.Integral` objects.

    Examples
    --------
    >>> s = substitute_t(gumbel_pdf_expr())
    >>> s.direct
    Integral(-exp(-t), (t, oo, 0))
    >>> s.flipped
    Integral(exp(-t), (t, 0, oo))
    >>> s.direct.doit(), s.flipped.doit()
    (1, 1)
    """
    if not isinstance(integrand, sp.Expr):
        raise TypeError(f"integrand must be a SymPy expression; got {integrand!r}")
    if integrand.has(sp.nan, sp.zoo):
        raise ValueError(f"integrand must not contain NaN or complex infinity; got {integrand}")
    g = _check_symbol(g, "g")
    t = _check_symbol(t, "t")
    if t.is_positive is not True:
        raise ValueError(f"t must be declared positive (t = exp(-g) > 0); got {t!r}")
    g_of_t = -sp.log(t)
    h = integrand.subs(g, g_of_t) * sp.diff(g_of_t, t)  # h(-log t) * dg/dt
    h = sp.factor_terms(sp.powsimp(h))
    return Substitution(
        direct=sp.Integral(h, (t, sp.oo, 0)),
        flipped=sp.Integral(sp.factor_terms(-h), (t, 0, sp.oo)),
    )


def argmax_probability(x: Sequence[sp.Expr], k: int) -> sp.Expr:
    r""":math:`P(\arg\max_i (x_i + g_i) = k)` by SymPy; it is :math:`e^{x_k}/\sum_i e^{x_i}`.

    Builds :func:`argmax_probability_integrand`, substitutes :math:`t = e^{-g}`
    (:func:`substitute_t`), integrates :math:`\int_0^\infty e^{-c t} dt = 1/c` with
    :math:`c = \sum_i e^{x_i - x_k}`, and simplifies.

    Parameters
    ----------
    x : sequence of SymPy expressions
        The logits (real symbols such as :func:`logit_symbols` or numbers).
    k : int
        The category, ``0 <= k < len(x)``.

    Returns
    -------
    SymPy expression
        The probability, simplified.

    Raises
    ------
    RuntimeError
        If SymPy cannot evaluate the integral (it can for real logits).

    Examples
    --------
    >>> x = logit_symbols(3)
    >>> argmax_probability(x, 2)
    exp(x_2)/(exp(x_0) + exp(x_1) + exp(x_2))
    >>> argmax_probability([0, sp.log(2), sp.log(3)], 2)
    1/2
    """
    x = _check_logits(x)
    k = _check_k(k, len(x))
    integral = substitute_t(argmax_probability_integrand(x, k)).flipped
    value = integral.doit()
    if value.has(sp.Integral, sp.Piecewise):
        raise RuntimeError(f"SymPy could not evaluate {integral}")
    # 1 / (1 + sum_{i != k} e^{x_i - x_k}); multiply through by e^{x_k}.
    return sp.simplify(sp.expand(sp.exp(x[k]) / sp.expand(sp.exp(x[k]) / value)))


class GeneralDerivation(NamedTuple):
    r"""The derivation for a symbolic number :math:`d` of categories."""

    integrand: sp.Expr
    r""":math:`e^{-g} \prod_{i=0}^{d-1} F(g + x_k - x_i)` (a :class:`sympy.Product`)."""
    merged: sp.Expr
    r""":math:`e^{-g} \exp(-e^{-g} e^{-x_k} \sum_i e^{x_i})`: the product as one exponential."""
    in_t: sp.Integral
    r""":math:`\int_0^\infty e^{-t\, Z e^{-x_k}} dt` with :math:`Z = \sum_i e^{x_i}`."""
    result: sp.Expr
    r""":math:`e^{x_k} / \sum_i e^{x_i}`."""


def general_derivation() -> GeneralDerivation:
    r"""The Gumbel-max theorem for a symbolic number of categories :math:`d`.

    The winner's own factor :math:`e^{-e^{-g}}` of the density is
    :math:`F(g + x_k - x_k)`, so the integrand is a product over *all* :math:`i`,

    .. math::

        \rho(g) \prod_{i \ne k} F(g + x_k - x_i)
        = e^{-g} \prod_{i=0}^{d-1} e^{-e^{-(g + x_k - x_i)}}
        = e^{-g} \exp\Bigl(-e^{-g} e^{-x_k} \sum_{i} e^{x_i}\Bigr).

    The sum of exponents is the logarithm of the product; SymPy pulls the
    :math:`i`-independent factors out of the symbolic sum. With
    :math:`Z = \sum_i e^{x_i} > 0` and :math:`t = e^{-g}` the integral is
    :math:`\int_0^\infty e^{-t Z e^{-x_k}}\,dt = e^{x_k}/Z`.

    Uses the indexed symbols ``x[i]``, the symbols ``i, k, d`` (integers, :math:`d \ge 1`)
    and ``Z`` (positive).

    Examples
    --------
    >>> steps = general_derivation()
    >>> steps.merged
    exp(-g)*exp(-exp(-g)*exp(-x[k])*Sum(exp(x[i]), (i, 0, d - 1)))
    >>> steps.in_t
    Integral(exp(-Z*t*exp(-x[k])), (t, 0, oo))
    >>> steps.result
    exp(x[k])/Sum(exp(x[i]), (i, 0, d - 1))
    """
    i, k, d, z, x = _I, _K, _D, _Z, _X
    g, t = G, T

    cdf = gumbel_cdf_expr(g)
    product = sp.Product(cdf.subs(g, g + x[k] - x[i]), (i, 0, d - 1))
    integrand = sp.exp(-g) * product
    # log of the product = sum of the exponents; simplify pulls e^{-g} e^{-x_k} out of the sum.
    log_product = sp.simplify(sp.expand_log(sp.log(product), force=True))
    merged = sp.exp(-g) * sp.exp(log_product)
    normaliser = sp.Sum(sp.exp(x[i]), (i, 0, d - 1))
    in_t = substitute_t(merged.subs(normaliser, z), g, t).flipped
    value = in_t.doit()
    if value.has(sp.Integral, sp.Piecewise):
        raise RuntimeError(f"SymPy could not evaluate {in_t}")
    return GeneralDerivation(integrand, merged, in_t, value.subs(z, normaliser))


def at_dimension(expr: sp.Expr, d: int, k: int) -> sp.Expr:
    r"""A general-:math:`d` expression written out for a concrete ``d`` and category ``k``.

    Substitutes ``d`` and ``k``, replaces :math:`Z` by :math:`\sum_{i=0}^{d-1} e^{x_i}`,
    evaluates the products and sums, and renames ``x[i]`` to the symbols of
    :func:`logit_symbols`. This ties the symbolic-:math:`d` derivation to the explicit one:
    for :math:`d = 3` the general integrand divided by
    :func:`argmax_probability_integrand` simplifies to 1, and the general result minus
    :func:`softmax_expr` to 0, while the note's merged integrand fails both checks.

    Parameters
    ----------
    expr : SymPy expression
        In the symbols of :func:`general_derivation` (``x[i]``, ``i``, ``k``, ``d``, ``Z``).
    d : int
        The number of categories, ``d >= 1``.
    k : int
        The category, ``0 <= k < d``.

    Examples
    --------
    >>> steps = general_derivation()
    >>> at_dimension(steps.result, 2, 0)
    exp(x_0)/(exp(x_0) + exp(x_1))
    >>> x = logit_symbols(3)
    >>> sp.simplify(at_dimension(steps.integrand, 3, 1) / argmax_probability_integrand(x, 1))
    1
    >>> wrong = at_dimension(note_merged_integrand().doit(), 3, 1)
    >>> sp.simplify(wrong / argmax_probability_integrand(x, 1)) == 1
    False
    """
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"expr must be a SymPy expression; got {expr!r}")
    d = _check_d(d)
    k = _check_k(k, d)
    xs = logit_symbols(d)
    out = expr.subs(_Z, sp.Sum(sp.exp(_X[_I]), (_I, 0, _D - 1))).subs({_D: d, _K: k}).doit()
    return out.subs({_X[j]: xs[j] for j in range(d)})


# --------------------------------------------------------------------- the note's steps


def note_integrand(x: Sequence[sp.Expr], k: int, g: sp.Symbol = G) -> sp.Expr:
    r"""The note's integrand, with the minus sign of the inner exponent dropped.

    The note writes the probability that category :math:`i` loses as
    :math:`e^{-e^{\,g + x_k - x_i}}` instead of
    :math:`F(g + x_k - x_i) = e^{-e^{-(g + x_k - x_i)}}`. That function *decreases* in
    :math:`g` (it is not a distribution function), and the resulting "probabilities"
    do not sum to 1.

    Examples
    --------
    >>> note_integrand(logit_symbols(2), 0)
    exp(-g)*exp(-exp(-g))*exp(-exp(g + x_0 - x_1))
    >>> h = note_integrand([0, 0], 0)
    >>> p = substitute_t(h).flipped.doit()  # one of two equal "probabilities"
    >>> round(float(p), 4)  # 2 K_1(2); a correct derivation gives 1/2
    0.2797
    """
    x = _check_logits(x)
    k = _check_k(k, len(x))
    g = _check_symbol(g, "g")
    wrong = [sp.exp(-sp.exp(g + x[k] - x[i])) for i in range(len(x)) if i != k]
    return gumbel_pdf_expr(g) * sp.Mul(*wrong)


def note_merged_integrand(keep_note_sign: bool = False) -> sp.Expr:
    r"""The note's last line before the substitution: :math:`\prod_i` of a factor free of :math:`i`.

    After merging, the note keeps :math:`\prod_{i=0}^{d-1}` in front of
    :math:`\exp(-e^{\pm g} e^{-x_k} Z)`, :math:`Z = \sum_i e^{x_i}`, which no longer
    depends on :math:`i`: the product is the :math:`d`-th power. With the correct sign
    (``keep_note_sign=False``, :math:`e^{-g}`) the integral is then
    :math:`e^{x_k}/(d\,Z)`, a factor :math:`d` too small. With the note's sign
    (:math:`e^{+g}`) the integral diverges at :math:`g \to -\infty`.

    Returns
    -------
    SymPy expression
        :math:`e^{-g} \prod_{i=0}^{d-1} \exp(-e^{\mp g} e^{-x_k} Z)` as an unevaluated
        :class:`sympy.Product` times :math:`e^{-g}`, in the symbols of
        :func:`general_derivation` (``x[k]``, ``Z``, ``i``, ``d``).

    Examples
    --------
    >>> h = note_merged_integrand()
    >>> h
    exp(-g)*Product(exp(-Z*exp(-g)*exp(-x[k])), (i, 0, d - 1))
    >>> h.doit()  # the product of a constant is its d-th power
    exp(-g)*exp(-Z*d*exp(-g)*exp(-x[k]))
    >>> substitute_t(h.doit()).flipped.doit()
    exp(x[k])/(Z*d)
    >>> sp.integrate(note_merged_integrand(keep_note_sign=True).doit(), (G, -sp.oo, sp.oo))
    oo
    """
    keep_note_sign = check_bool(keep_note_sign, "keep_note_sign")
    i, k, d, z, x = _I, _K, _D, _Z, _X
    g = G
    inner = sp.exp(g) if keep_note_sign else sp.exp(-g)
    return sp.exp(-g) * sp.Product(sp.exp(-inner * sp.exp(-x[k]) * z), (i, 0, d - 1))


def unflipped_substitution(integrand: sp.Expr, g: sp.Symbol = G, t: sp.Symbol = T) -> sp.Integral:
    r"""A deliberately wrong substitution :math:`t = e^{-g}`: sign kept, limits not reversed.

    :math:`dg = -dt/t` and :math:`g: -\infty \to \infty` is :math:`t: \infty \to 0`; the
    minus sign and the reversed limits cancel. Keeping the minus sign but writing the
    limits from 0 to :math:`\infty` gives the negative of the right answer:

    .. math::

        \int_0^\infty h(-\log t)\Bigl(-\frac{1}{t}\Bigr) dt = -\int_{-\infty}^{\infty} h(g)\,dg.

    The note does *not* make this mistake (its limits are right; only :math:`dt` is
    missing). It is the wrong formula that shows the check of :func:`substitute_t`
    (the result equals the softmax) can fail.

    Examples
    --------
    >>> unflipped_substitution(gumbel_pdf_expr())  # a density that integrates to... -1
    Integral(-exp(-t), (t, 0, oo))
    >>> unflipped_substitution(gumbel_pdf_expr()).doit()
    -1
    """
    direct = substitute_t(integrand, g, t).direct
    h, (var, _, _) = direct.function, direct.limits[0]
    return sp.Integral(h, (var, 0, sp.oo))
