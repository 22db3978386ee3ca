"""The course's order, written down once: which notebook introduces each part of `gumbel_lib`.

A notebook may call a library function only if the notebook that introduces it is the same one or
an earlier one (``docs/course-design.md``, rule 2). Keys are dotted names as the library defines
them (``gumbel_lib.gumbel.gumbel_max_sample``) or a whole module (``gumbel_lib.estimators``: every
name in it); the most specific key wins. A name a notebook uses that no key covers fails the test,
so a new function gets its introducing notebook when it is first used.

Below it, each notebook's opening (the text before its first ``##`` heading) and the self-study
line there, which the order test and the lecture plan's timing both read.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext

INTRODUCED: dict[str, str] = {
    # Tooling every notebook may use from the start: figure style and display.
    "gumbel_lib.plots": "00",
    # The exercise checkers, used from the first notebook's exercises on.
    "gumbel_lib.exercises": "00",
    # 01: softmax with a temperature, its derivative.
    "gumbel_lib.softmax.softmax": "01",
    "gumbel_lib.softmax.log_softmax": "01",
    "gumbel_lib.softmax.entropy": "01",
    "gumbel_lib.softmax.one_hot": "01",
    "gumbel_lib.softmax.softmax_vjp": "01",
    "gumbel_lib.widgets.softmax": "01",
    # 02: the naive straight-through trick.
    "gumbel_lib.straight_through.straight_through_softmax": "02",
    # 03: Gumbel noise and the Gumbel-max trick.
    "gumbel_lib.gumbel": "03",
    "gumbel_lib.EULER_GAMMA": "03",
    "gumbel_lib.stats": "03",
    "gumbel_lib.widgets.gumbel_max": "03",
    # 04: the relaxation, its density, the straight-through Gumbel-softmax, pictures on the simplex.
    "gumbel_lib.relaxed": "04",
    "gumbel_lib.straight_through.straight_through_gumbel_softmax": "04",
    "gumbel_lib.simplex": "04",
    "gumbel_lib.simplex_plot": "04",
    "gumbel_lib.widgets.gumbel_softmax": "04",
    # 05: the symbolic proof.
    "gumbel_lib.symbolic": "05",
    # 06: gradient estimators.
    "gumbel_lib.estimators": "06",
    "gumbel_lib.widgets.estimators": "06",
    # 07: the data and the categorical VAE.
    "gumbel_lib.data": "07",
    "gumbel_lib.vae": "07",
    "gumbel_lib.widgets.vae": "07",
    # 08: the same ideas in JAX (no library names of its own yet).
    # 09: better gradients from the relaxation.
    "gumbel_lib.gumbel.conditional_gumbel": "09",
    "gumbel_lib.stats.ks_statistic": "09",
    "gumbel_lib.stats.ks_pvalue": "09",
    "gumbel_lib.estimators.gumbel_rao_estimator": "09",
    "gumbel_lib.estimators.rebar_estimator": "09",
    # 10: beyond one choice.
    "gumbel_lib.subsets": "10",
    "gumbel_lib.widgets.subsets": "10",
}


def introduced_in(name: str) -> str | None:
    """The introducing notebook of the dotted ``name`` (its most specific key), or None."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in INTRODUCED:
            return INTRODUCED[key]
    return None


# --- Each notebook's opening: where it fits, how long it takes ---------------------------------

#: The opening's self-study line: minutes for the core sections, the exercises, the asides (if any).
SELF_STUDY = re.compile(
    r"\*\*Self-study:\*\* about (\d+) minutes to read and run the core sections, (\d+) more for "
    r"the exercises(?:, (\d+) more for the asides)?\."
)


def by_section(md: Path) -> list[tuple[str, str]]:
    """``(enclosing ## title, text)`` for every cell; "" before the first ## heading."""
    title, out = "", []
    for cell in jupytext.read(md).cells:
        for piece in (
            re.split(r"(?m)^(?=## )", cell.source)
            if cell.cell_type == "markdown"
            else [cell.source]
        ):
            m = re.match(r"## +(.+)", piece)
            if m:
                title = m.group(1).strip()
            out.append((title, piece))
    return out


def opening(md: Path) -> str:
    """Everything before the notebook's first ``##`` heading: title, *Where this fits*, self-study
    line."""
    return "\n".join(text for title, text in by_section(md) if title == "")


def self_study_minutes(md: Path) -> tuple[int, int, int]:
    """(minutes to read and run the core sections, for the exercises, for the asides), as the
    notebook's opening states them."""
    m = SELF_STUDY.search(opening(md))
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
