"""gumbel_lib.symbolic: the Gumbel-max derivation in SymPy, checked against numbers.

Every symbolic result is also checked numerically (SciPy quadrature of the original
integral over g, NumPy softmax), so a wrong derivation cannot pass by agreeing with
itself.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, special

import gumbel_lib
from gumbel_lib import softmax
from gumbel_lib import symbolic as sym
from gumbel_lib.symbolic import G, T


def quad_over_g(expr: sp.Expr) -> float:
    """Integrate a SymPy expression of g alone over the real line, numerically."""
    assert expr.free_symbols <= {G}, expr.free_symbols
    f = sp.lambdify(G, expr, modules="numpy")
    with np.errstate(over="ignore", under="ignore"):
        value, err = integrate.quad(f, -40.0, 40.0, limit=200)
    assert err < 1e-8
    return value


def test_lazy_attribute_is_this_module():
    assert gumbel_lib.symbolic is sym


def test_pdf_and_cdf():
    rho, big_f = sym.gumbel_pdf_expr(), sym.gumbel_cdf_expr()
    assert sp.simplify(sp.diff(big_f, G) - rho) == 0
    assert sp.integrate(rho, (G, -sp.oo, sp.oo)) == 1
    assert sp.limit(big_f, G, -sp.oo) == 0 and sp.limit(big_f, G, sp.oo) == 1
    grid = np.linspace(-3, 6, 19)
    np.testing.assert_allclose(sp.lambdify(G, rho)(grid), gumbel_lib.gumbel_pdf(grid), rtol=1e-12)
    np.testing.assert_allclose(sp.lambdify(G, big_f)(grid), gumbel_lib.gumbel_cdf(grid), rtol=1e-12)


def test_pdf_and_cdf_checks_reject_wrong_formulas():
    """The checks above fail for a wrong density and for the note's factor."""
    big_f = sym.gumbel_cdf_expr()
    wrong_pdf = sp.exp(G) * sp.exp(-sp.exp(G))  # the note's sign: e^{g} e^{-e^{g}}
    assert sp.simplify(sp.diff(big_f, G) - wrong_pdf) != 0
    wrong_cdf = sp.exp(-sp.exp(G))  # the note's loser factor falls from 1 to 0
    assert (sp.limit(wrong_cdf, G, -sp.oo), sp.limit(wrong_cdf, G, sp.oo)) == (1, 0)


def test_point_probability_is_a_limit_and_the_density_its_rate():
    """P(a - ε < g <= a + ε) -> 0, while that probability over 2ε -> rho(a) (notebook 05)."""
    a, eps = sp.Symbol("a", real=True), sp.Symbol("epsilon", positive=True)
    big_f, rho = sym.gumbel_cdf_expr(), sym.gumbel_pdf_expr()
    interval = big_f.subs(G, a + eps) - big_f.subs(G, a - eps)
    assert sp.limit(interval, eps, 0) == 0
    assert sp.simplify(sp.limit(interval / (2 * eps), eps, 0) - rho.subs(G, a)) == 0
    # The same check rejects a wrong density (the note's sign).
    wrong = sp.exp(a) * sp.exp(-sp.exp(a))
    assert sp.simplify(sp.limit(interval / (2 * eps), eps, 0) - wrong) != 0


def test_pdf_accepts_another_symbol():
    u = sp.Symbol("u", real=True)
    assert sym.gumbel_pdf_expr(u).free_symbols == {u}


def test_integrand_is_density_times_loser_cdfs():
    x = sym.logit_symbols(3)
    h = sym.argmax_probability_integrand(x, 1)
    big_f = sym.gumbel_cdf_expr()
    expected = (
        sym.gumbel_pdf_expr() * big_f.subs(G, G + x[1] - x[0]) * big_f.subs(G, G + x[1] - x[2])
    )
    assert sp.simplify(h - expected) == 0
    # The same comparison rejects the note's integrand and the winner's factor counted twice.
    assert sp.simplify(sym.note_integrand(x, 1) - expected) != 0
    assert sp.simplify(h * big_f - expected) != 0


@pytest.mark.parametrize("logits", [[0.0, 0.0], [0.3, -1.2, 2.0], [1.0, -0.5, 0.0, 0.7]])
def test_integrand_integrates_numerically_to_softmax(logits):
    """The integrand itself (before any SymPy integration) gives softmax by quadrature."""
    x = [sp.Float(v) for v in logits]
    got = [quad_over_g(sym.argmax_probability_integrand(x, k)) for k in range(len(x))]
    np.testing.assert_allclose(got, softmax(np.array(logits)), rtol=1e-8)


def test_substitution_direct_and_flipped_agree_and_match_sympy_transform():
    x = sym.logit_symbols(2)
    h = sym.argmax_probability_integrand(x, 0)
    s = sym.substitute_t(h)
    assert s.direct.limits[0][1:] == (sp.oo, 0)
    assert s.flipped.limits[0][1:] == (0, sp.oo)
    assert sp.simplify(s.direct.function + s.flipped.function) == 0
    transformed = sp.Integral(h, (G, -sp.oo, sp.oo)).transform(sp.exp(-G), T)
    assert transformed.limits[0][1:] == (0, sp.oo)
    assert sp.simplify(transformed.function - s.flipped.function) == 0
    target = sym.softmax_expr(x, 0)
    assert sp.simplify(s.direct.doit() - target) == 0
    assert sp.simplify(s.flipped.doit() - target) == 0
    # The same check rejects the sign kept with the limits from 0 to oo.
    assert sp.simplify(sym.unflipped_substitution(h).doit() - target) != 0


def test_softmax_expr_matches_numpy_and_rejects_a_wrong_formula():
    x = sym.logit_symbols(3)
    values = {x[0]: 0.4, x[1]: -1.0, x[2]: 1.3}
    got = [float(sym.softmax_expr(x, k).subs(values)) for k in range(3)]
    np.testing.assert_allclose(got, softmax(np.array([0.4, -1.0, 1.3])), rtol=1e-14)
    wrong = sp.exp(x[0]) / sp.Add(*[sp.exp(-v) for v in x])  # a sign slip in the sum
    assert abs(float(wrong.subs(values)) - got[0]) > 0.01


def test_antiderivative_for_two_categories():
    """Notebook 05 section 2: e^{-c e^{-g}}/c is an antiderivative; without the 1/c it is not."""
    h = sym.argmax_probability_integrand(sym.logit_symbols(2), 0)
    x0, x1 = sym.logit_symbols(2)
    c = 1 + sp.exp(x1 - x0)
    assert sp.simplify(sp.diff(sp.exp(-c * sp.exp(-G)) / c, G) - h) == 0
    assert sp.simplify(sp.diff(sp.exp(-c * sp.exp(-G)), G) - h) != 0
    # After the substitution SymPy finds the integral, and it is the softmax.
    value = sym.substitute_t(h).flipped.doit()
    assert sp.simplify(value - sym.softmax_expr([x0, x1], 0)) == 0


def test_every_i_reading_counts_the_winner_twice():
    """The condition over every i, read as a product with i = k included, is not the softmax."""
    x = sym.logit_symbols(2)
    rho, big_f = sym.gumbel_pdf_expr(), sym.gumbel_cdf_expr()
    every = [
        sym.substitute_t(
            rho * sp.Mul(*[big_f.subs(G, G + x[k] - x[i]) for i in range(2)])
        ).flipped.doit()
        for k in range(2)
    ]
    assert sp.simplify(every[0] - 1 / (2 + sp.exp(x[1] - x[0]))) == 0
    assert sp.simplify(every[0] - sym.softmax_expr(x, 0)) != 0
    assert sp.Add(*every).subs({x[0]: 0, x[1]: 0}) == sp.Rational(2, 3)
    # The losers-only integrand passes the same two checks.
    right = [sym.argmax_probability(x, k) for k in range(2)]
    assert sp.simplify(sp.Add(*right)) == 1


def test_a_merge_slip_fails_the_general_checks():
    """Notebook 05 section 5: e^{+x_k} in front of the sum gives e^{-x_k}/Z, rejected at d = 3."""
    steps = sym.general_derivation()
    x_k = sp.IndexedBase("x", real=True)[sp.Symbol("k", integer=True, nonnegative=True)]
    z, normaliser = sp.Symbol("Z", positive=True), sp.exp(x_k) / steps.result
    slip = steps.merged.subs(x_k, -x_k)
    result = sym.substitute_t(slip.subs(normaliser, z)).flipped.doit().subs(z, normaliser)
    assert sp.simplify(result - sp.exp(-x_k) / normaliser) == 0
    x = sym.logit_symbols(3)
    explicit = sym.argmax_probability_integrand(x, 0)
    assert sp.simplify(sym.at_dimension(slip, 3, 0) / explicit) != 1
    assert sp.simplify(sym.at_dimension(result, 3, 0) - sym.softmax_expr(x, 0)) != 0


def test_margin_probability():
    """Notebook 05 exercise 2: beating every other score by m."""
    x, m = sym.logit_symbols(3), sp.Symbol("m", nonnegative=True)
    rho, big_f = sym.gumbel_pdf_expr(), sym.gumbel_cdf_expr()
    h = rho * sp.Mul(*[big_f.subs(G, G + x[0] - x[i] - m) for i in (1, 2)])
    value = sym.substitute_t(h).flipped.doit()
    claimed = sp.exp(x[0]) / (sp.exp(x[0]) + sp.exp(m) * (sp.exp(x[1]) + sp.exp(x[2])))
    assert sp.simplify(value - claimed) == 0
    assert sp.simplify(value.subs(m, 0) - sym.softmax_expr(x, 0)) == 0
    assert sp.simplify(value - sym.softmax_expr(x, 0)) != 0


@pytest.mark.parametrize("d", [2, 3, 4, 6])
def test_argmax_probability_is_softmax(d):
    x = sym.logit_symbols(d)
    probs = [sym.argmax_probability(x, k) for k in range(d)]
    for k, p in enumerate(probs):
        assert sp.simplify(p - sym.softmax_expr(x, k)) == 0
    assert sp.simplify(sp.Add(*probs) - 1) == 0
    values = np.linspace(-1.0, 1.5, d) ** 3
    subs = dict(zip(x, values, strict=True))
    np.testing.assert_allclose([float(p.subs(subs)) for p in probs], softmax(values), rtol=1e-12)


def test_argmax_probability_check_rejects_the_notes_integrand():
    """The softmax check of test_argmax_probability_is_softmax fails for the note's integrand."""
    x = sym.logit_symbols(2)
    wrong = sym.substitute_t(sym.note_integrand(x, 0)).flipped
    value = wrong.subs({x[0]: 0, x[1]: 0}).doit()
    assert abs(float(value) - 0.5) > 0.2


def test_argmax_probability_with_numbers():
    assert sym.argmax_probability([0, sp.log(2), sp.log(3)], 2) == sp.Rational(1, 2)
    assert sym.argmax_probability([0, 0, 0, 0], 3) == sp.Rational(1, 4)


def test_general_derivation():
    steps = sym.general_derivation()
    x, i, d, k = (
        sp.IndexedBase("x", real=True),
        sp.Symbol("i", integer=True, nonnegative=True),
        sp.Symbol("d", integer=True, positive=True),
        sp.Symbol("k", integer=True, nonnegative=True),
    )
    assert steps.result == sp.exp(x[k]) / sp.Sum(sp.exp(x[i]), (i, 0, d - 1))
    # The merged exponential equals the product for concrete d, k and x.
    values = {x[0]: 0.4, x[1]: -1.0, x[2]: 1.3}
    for g0 in (-1.5, 0.0, 2.0):
        concrete = {d: 3, k: 1, G: g0}
        a = steps.integrand.subs(concrete).doit().subs(values)
        b = steps.merged.subs(concrete).doit().subs(values)
        assert abs(float(a) - float(b)) < 1e-14


@pytest.mark.parametrize("d", [2, 3])
def test_general_derivation_at_d_is_the_explicit_one(d):
    """Nothing typed by hand: at d = 2, 3 each general step equals the explicit derivation."""
    steps, x = sym.general_derivation(), sym.logit_symbols(d)
    for k in range(d):
        explicit = sym.argmax_probability_integrand(x, k)
        assert sp.simplify(sym.at_dimension(steps.integrand, d, k) / explicit) == 1
        assert sp.simplify(sym.at_dimension(steps.merged, d, k) / explicit) == 1
        assert sp.simplify(sym.at_dimension(steps.result, d, k) - sym.softmax_expr(x, k)) == 0


def test_general_checks_reject_the_notes_merged_line():
    """The same two checks fail for the note's merged integrand (a product of d copies)."""
    x = sym.logit_symbols(3)
    wrong = sym.note_merged_integrand().doit()
    wrong_result = sym.substitute_t(wrong).flipped.doit()
    for k in range(3):
        explicit = sym.argmax_probability_integrand(x, k)
        assert sp.simplify(sym.at_dimension(wrong, 3, k) / explicit) != 1
        assert sp.simplify(sym.at_dimension(wrong_result, 3, k) - sym.softmax_expr(x, k)) != 0
    # ... and a hand-typed general integrand with the note's sign fails the first check.
    steps = sym.general_derivation()
    flipped_sign = steps.integrand.subs(G, -G) * sp.exp(-2 * G)
    assert (
        sp.simplify(sym.at_dimension(flipped_sign, 3, 0) / sym.argmax_probability_integrand(x, 0))
        != 1
    )


def test_note_integrand_gives_probabilities_that_do_not_sum_to_one():
    h = sym.note_integrand([0, 0], 0)
    value = sym.substitute_t(h).flipped.doit()
    exact = 2 * special.k1(2.0)  # ∫ cosh(g) e^{-2 cosh g} dg = 2 K_1(2)
    assert abs(float(value) - exact) < 1e-12
    assert abs(quad_over_g(h) - exact) < 1e-9
    total = 2 * float(value)  # two equal categories
    assert abs(total - 1) > 0.4  # 0.56, not 1
    # ... while the correct integrand gives 1/2 each.
    assert sym.argmax_probability([0, 0], 0) == sp.Rational(1, 2)


def test_note_inner_factor_is_not_a_cdf():
    """The note's loser factor decreases in g; a distribution function increases."""
    h = sym.note_integrand(sym.logit_symbols(2), 0) / sym.gumbel_pdf_expr()
    x0, x1 = sym.logit_symbols(2)
    assert sp.limit(h.subs({x0: 0, x1: 0}), G, sp.oo) == 0
    assert sp.limit(h.subs({x0: 0, x1: 0}), G, -sp.oo) == 1


def test_note_product_of_constant_is_dth_power():
    h = sym.note_merged_integrand()
    d = sp.Symbol("d", integer=True, positive=True)
    z = sp.Symbol("Z", positive=True)
    xk = sp.IndexedBase("x", real=True)[sp.Symbol("k", integer=True, nonnegative=True)]
    value = sym.substitute_t(h.doit()).flipped.doit()
    assert sp.simplify(value - sp.exp(xk) / (d * z)) == 0
    # Summed over the categories (the sum of e^{x_k} is Z) the "probabilities" give 1/d, not 1.
    assert sp.simplify(value * z / sp.exp(xk) - 1 / d) == 0
    assert sp.simplify(value.subs(d, 1) - sp.exp(xk) / z) == 0  # right only for d = 1


def test_note_sign_diverges():
    h = sym.note_merged_integrand(keep_note_sign=True).doit()
    assert sp.integrate(h, (G, -sp.oo, sp.oo)) == sp.oo


def test_half_bookkeeping_gives_minus_the_answer():
    x = sym.logit_symbols(3)
    h = sym.argmax_probability_integrand(x, 2)
    wrong = sym.unflipped_substitution(h).doit()
    assert sp.simplify(wrong + sym.softmax_expr(x, 2)) == 0
    assert sym.unflipped_substitution(sym.gumbel_pdf_expr()).doit() == -1


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: sym.logit_symbols(0), ValueError, "d must be >= 1"),
        (lambda: sym.logit_symbols(2.0), TypeError, "d must be an int"),
        (lambda: sym.softmax_expr(sym.logit_symbols(2), 2), ValueError, "k must lie in 0 .. 1"),
        (lambda: sym.softmax_expr(sym.logit_symbols(2), True), TypeError, "k must be an int"),
        (lambda: sym.argmax_probability([], 0), ValueError, "at least one logit"),
        (lambda: sym.argmax_probability("x", 0), TypeError, "x must be a sequence"),
        (lambda: sym.argmax_probability([sp.I, 0], 0), ValueError, r"x\[0\] must be a real logit"),
        # A symbol not declared real: refused up front, naming the argument and the fix.
        (
            lambda: sym.argmax_probability(sp.symbols("a b"), 0),
            ValueError,
            r"x\[0\] must be a real logit.*declare a real",
        ),
        (lambda: sym.softmax_expr([0, sp.Symbol("b")], 0), ValueError, r"x\[1\] .*declare b real"),
        (
            lambda: sym.note_integrand([0, sp.log(sp.Symbol("b", real=True))], 0),
            ValueError,
            r"x\[1\] .*cannot tell that log\(b\) is real",
        ),
        # Strings would be evaluated as code by sympify: refused, whatever they contain.
        (lambda: sym.argmax_probability(["x_0", 0], 0), TypeError, r"x\[0\] .*strings are not"),
        (lambda: sym.softmax_expr([0, "__import__('os')"], 0), TypeError, r"x\[1\] .*strings"),
        (lambda: sym.note_integrand([b"1", 0], 0), TypeError, r"x\[0\] must be a real number"),
        (lambda: sym.argmax_probability([float("nan"), 0], 0), ValueError, r"x\[0\] .*NaN"),
        (lambda: sym.argmax_probability([0, np.nan], 1), ValueError, r"x\[1\] .*finite"),
        (lambda: sym.argmax_probability([0, sp.nan], 1), ValueError, r"x\[1\] .*NaN"),
        (lambda: sym.softmax_expr([float("inf"), 0], 0), ValueError, r"x\[0\] .*infinity"),
        (lambda: sym.softmax_expr([-sp.oo, 0], 1), ValueError, "infinity"),
        (lambda: sym.softmax_expr([True, 0], 1), TypeError, r"x\[0\] .*not a bool"),
        (lambda: sym.softmax_expr([sp.Eq(G, 0), 0], 1), TypeError, "SymPy expression"),
        (lambda: sym.argmax_probability_integrand([None, 0], 1), TypeError, r"x\[0\]"),
        (lambda: sym.substitute_t(sp.nan * G), ValueError, "integrand must not contain NaN"),
        (lambda: sym.substitute_t("exp(-g)"), TypeError, "integrand must be a SymPy"),
        (lambda: sym.at_dimension(sym.general_derivation().result, 3, 3), ValueError, "k must"),
        (lambda: sym.at_dimension("x", 3, 0), TypeError, "expr must be a SymPy"),
        (lambda: sym.gumbel_pdf_expr("g"), TypeError, "g must be a SymPy Symbol"),
        (lambda: sym.substitute_t(1.0), TypeError, "integrand must be a SymPy"),
        (
            lambda: sym.substitute_t(sym.gumbel_pdf_expr(), t=sp.Symbol("t")),
            ValueError,
            "t must be declared positive",
        ),
        (lambda: sym.note_merged_integrand("yes"), TypeError, "keep_note_sign"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_numbers_of_every_kind_are_still_accepted():
    from fractions import Fraction

    assert sym.softmax_expr([np.float64(0.0), np.int64(0), Fraction(0), 0], 3) == sp.Rational(1, 4)
    assert sym.argmax_probability([0, sp.log(3)], 1) == sp.Rational(3, 4)


def test_keep_note_sign_takes_numpy_bools_too():
    """The argument rule: a NumPy bool is a bool (1 and "yes" are refused in test_bad_input)."""
    assert sym.note_merged_integrand(np.bool_(True)) == sym.note_merged_integrand(True)
    with pytest.raises(TypeError, match="keep_note_sign must be True or False"):
        sym.note_merged_integrand(1)
