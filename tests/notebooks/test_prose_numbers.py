"""Numbers in the notebooks' prose come from the code beside them
(see tests/support/prose_numbers.py)."""

from __future__ import annotations

import nbformat
import pytest

from tests.support.project import executed, notebook_paths
from tests.support.prose_numbers import claims, unsupported

MARKDOWN = notebook_paths()


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, text, output in cells:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            cell = nbformat.v4.new_code_cell(text)
            if output is not None:
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
            nb.cells.append(cell)
    return nb


@pytest.mark.parametrize(
    "text, values",
    [
        ("the cell prints p = 0.014 here", [0.014]),
        ("it changes by 5·10⁻⁶ only", [5e-6]),
        (r"about $2 \cdot 10^{6}$ samples", [2e6]),
        ("below $10^{-3}$", [1e-3]),
        ("a step of 1e-8", [1e-8]),
        ("d = 3 categories in 2017 (see [x](https://a.b/1.5))", []),
        ("## 2.1 A heading\nτ = 0.5", [0.5]),
    ],
)
def test_claims_are_found(text, values):
    assert [c.value for c in claims(text)] == pytest.approx(values)


def test_a_number_the_output_prints_is_supported():
    nb = _nb(("code", "print(p)", "p = 0.0138\n"), ("md", "The optimum is p = 0.014.", None))
    assert unsupported(nb) == []


def test_drift_is_caught():
    """The same prose after the output moved (another seed): the claim is reported."""
    nb = _nb(("code", "print(p)", "p = 0.0201\n"), ("md", "The optimum is p = 0.014.", None))
    assert len(unsupported(nb)) == 1


def test_evidence_stops_at_a_new_section():
    nb = _nb(
        ("code", "print(p)", "p = 0.014\n"),
        ("md", "## Another section\nHere p = 0.014 again.", None),
        ("code", "1 + 1", None),
    )
    assert len(unsupported(nb)) == 1


def test_an_exercise_may_state_numbers_of_its_solution():
    nb = _nb(("md", "**1.** Use τ = 0.25.", None), ("code", "τ = 0.25", None))
    assert unsupported(nb) == []


def test_powers_of_ten_match_code_literals():
    code = ("code", "n = 2_000_000\ntol = 1e-6", None)
    nb = _nb(code, ("md", "With 2·10⁶ draws, below 10⁻⁶.", None))
    assert unsupported(nb) == []


@pytest.mark.parametrize("md", MARKDOWN, ids=lambda p: p.stem)
def test_prose_numbers_come_from_code(md):
    problems = unsupported(executed(md))
    assert problems == [], "\n".join([f"{md.name}:"] + problems)
