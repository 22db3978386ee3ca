"""Find the numbers a notebook's prose states that no code cell next to it prints or contains.

The rule ("teaching claims are evidence"): every decimal number or power of ten written in a
markdown cell must come from the code beside it, so that a change of seed, sample size or code
that changes the number fails the tests instead of leaving the prose wrong. "Beside it" means the
code cells of the same ``##`` section above the markdown cell (their source and their outputs)
and the first code cell after it (an exercise states its numbers before its solution).

A prose number matches when a number of that evidence, rounded to the precision the prose
writes, equals it: prose ``0.014`` is matched by an output ``0.0138``, prose ``2·10⁶`` by
``2_000_000`` in the code. Integers without a decimal point are not checked (dimensions, counts
of cells, years).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_MANTISSA = r"(\d+(?:\.\d+)?)"
_TIMES = r"\s*(?:·|\\cdot|×|\\times)\s*"
_EXP = r"10\s*(?:\^\s*\{?\s*([−\-]?\s*\d+)\s*\}?|([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))"
# 5·10⁻⁶, 5 \cdot 10^{-6}, 10^{-6}, 1e-6, 0.014: the forms prose uses for a measured number.
PROSE_NUMBER = re.compile(
    rf"(?<![\w.]){_MANTISSA}{_TIMES}{_EXP}"  # mantissa × 10^e
    rf"|(?<![\w.\d]){_EXP}"  # 10^e alone
    r"|(?<![\w.])(\d+(?:\.\d+)?[eE][−\-+]?\d+)(?![\w.])"  # 1e-6
    r"|(?<![\w.])(\d+\.\d+)(?![\d.]*\d)"  # 0.014
)
CODE_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Claim:
    """A number written in prose: its value and how many digits the prose gives."""

    text: str
    value: float
    decimals: int | None  # digits after the point for a plain decimal
    significant: int | None  # significant digits for a power-of-ten form


def _exponent(a: str | None, b: str | None) -> int:
    raw = (a or b or "").replace("−", "-").replace(" ", "").translate(SUPERSCRIPT)
    return int(raw)


def _significant(mantissa: str) -> int:
    return len(mantissa.replace(".", "").lstrip("0")) or 1


def _strip(text: str) -> str:
    """Drop what is not prose: link targets, HTML tags and comments, headings' section numbers."""
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # [label](target): the target
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"(?m)^#+ .*$", " ", text)  # headings are names, not claims
    return text


def claims(markdown: str) -> list[Claim]:
    """Every checked number of a markdown cell's text."""
    found = []
    for m in PROSE_NUMBER.finditer(_strip(markdown)):
        mant, e1, e2, e3, e4, sci, dec = m.groups()
        if mant is not None:
            value = float(mant) * 10.0 ** _exponent(e1, e2)
            found.append(Claim(m.group(0), value, None, _significant(mant)))
        elif e3 is not None or e4 is not None:
            found.append(Claim(m.group(0), 10.0 ** _exponent(e3, e4), None, 1))
        elif sci is not None:
            mantissa = re.split("[eE]", sci)[0]
            value = float(sci.replace("−", "-"))
            found.append(Claim(sci, value, None, _significant(mantissa)))
        else:
            found.append(Claim(dec, float(dec), len(dec.split(".")[1]), None))
    return found


def evidence_numbers(text: str) -> list[float]:
    """Every number in code or output text (``2_000_000``, ``1e6``), as absolute values."""
    text = re.sub(r"(?<=\d)_(?=\d)", "", text)
    out = []
    for tok in CODE_NUMBER.findall(text):
        try:
            out.append(abs(float(tok)))
        except ValueError:
            continue
    return out


def _round_sig(v: float, sig: int) -> float:
    if v == 0 or not math.isfinite(v):
        return v
    return round(v, sig - 1 - math.floor(math.log10(abs(v))))


def supported(claim: Claim, numbers: list[float]) -> bool:
    """Whether one evidence number, rounded as the prose rounds, equals the claim."""
    target = abs(claim.value)
    for v in numbers:
        if claim.decimals is not None:
            if math.isclose(round(v, claim.decimals), target, rel_tol=1e-9, abs_tol=1e-12):
                return True
        elif math.isclose(_round_sig(v, claim.significant or 1), target, rel_tol=1e-9):
            return True
    return False


def _cell_text(cell) -> str:
    parts = [cell.source]
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append(out["text"])
        data = out.get("data", {})
        for key in ("text/plain", "text/markdown", "text/latex"):
            if key in data:
                parts.append(data[key])
        if out.get("output_type") == "error":
            parts.append(out.get("evalue", ""))
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def unsupported(nb) -> list[str]:
    """The prose numbers of an executed notebook that no code beside them supports."""
    problems = []
    section: list = []  # code cells of the current ## section so far
    cells = nb.cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code":
            section.append(cell)
            continue
        if cell.cell_type != "markdown":
            continue
        if re.search(r"(?m)^#{1,2} ", cell.source):
            section = []
        after = next((c for c in cells[i + 1 :] if c.cell_type == "code"), None)
        window = section + ([after] if after is not None else [])
        numbers = evidence_numbers("\n".join(_cell_text(c) for c in window))
        for claim in claims(cell.source):
            if not supported(claim, numbers):
                first_line = cell.source.strip().splitlines()[0][:70]
                problems.append(f"cell {i} ({first_line!r}): {claim.text!r} is not in the code")
    return problems
