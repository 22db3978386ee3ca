"""`make bench`: speed figures as ratios against baselines measured in the same run.

Nothing here asserts a time: the machines are shared and noisy. The script prints a table
and writes it, with a description of the machine, to benchmarks/RESULTS.md.

    python benchmarks/run.py            # everything
    python benchmarks/run.py --quick    # fewer repeats, no notebooks (a smoke run)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for scripts/nbrun.py (the notebook runner)

import gumbel_lib as gl  # noqa: E402

Row = tuple[str, float, str, float, str]  # (what, value, baseline name, ratio, target)


def best_ms(fn: Callable[[], object], repeat: int) -> float:
    """Fastest of ``repeat`` single runs, in milliseconds (the least noisy statistic)."""
    fn()  # warm-up
    return min(timeit.repeat(fn, number=1, repeat=repeat)) * 1e3


def naive_gumbel_softmax(x: np.ndarray, tau: float, rng: np.random.Generator) -> np.ndarray:
    """The straightforward version: inverse-CDF noise, then a textbook stable softmax."""
    g = -np.log(-np.log(rng.uniform(size=x.shape)))
    z = (x + g) / tau
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def bench_gumbel_softmax(repeat: int) -> list[Row]:
    rng = np.random.default_rng(0)
    shape = (100_000, 16)
    x = rng.normal(size=shape)
    floor = best_ms(lambda: rng.standard_exponential(shape), repeat)
    rows: list[Row] = [
        ("rng.standard_exponential (100000, 16)", floor, "floor", 1.0, ""),
    ]
    for tau in (1.0, 0.5):
        fast = best_ms(lambda tau=tau: gl.gumbel_softmax(x, tau, rng=rng), repeat)
        rows.append((f"gumbel_softmax (100000, 16), τ={tau}", fast, "floor", fast / floor, "≤ 3×"))
    naive = best_ms(lambda: naive_gumbel_softmax(x, 0.5, rng), repeat)
    rows.append(("naive gumbel_softmax (100000, 16), τ=0.5", naive, "floor", naive / floor, ""))
    hard = best_ms(lambda: gl.gumbel_softmax(x, 0.5, hard=True, rng=rng), repeat)
    rows.append(("gumbel_softmax hard=True, τ=0.5", hard, "floor", hard / floor, ""))
    pi = np.log(rng.dirichlet(np.ones(16)))
    sized = best_ms(lambda: gl.gumbel_softmax(pi, 0.5, rng=rng, size=100_000), repeat)
    rows.append(("gumbel_softmax (16,) logits, size=100000", sized, "floor", sized / floor, ""))
    return rows


def bench_import(repeat: int) -> list[Row]:
    def cost(module: str) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1e3

    numpy_ms = cost("numpy")
    lib_ms = cost("gumbel_lib")
    return [
        ("python -c 'import numpy'", numpy_ms, "import numpy", 1.0, ""),
        ("python -c 'import gumbel_lib'", lib_ms, "import numpy", lib_ms / numpy_ms, "≤ 1.3×"),
    ]


# Headless run time of a notebook against an empty one: the lessons 00–04 stay light, the SymPy
# proof and the estimator study may take twice that, the capstone model (07) trains a few seconds.
NOTEBOOK_TARGETS = {"05": "≤ 10×", "06": "≤ 10×", "07": "≤ 15×"}


def notebook_target(stem: str) -> str:
    """The ratio a notebook must stay within, by its number (``≤ 5×`` unless listed)."""
    return NOTEBOOK_TARGETS.get(stem[:2], "≤ 5×")


def bench_notebooks(rounds: int = 3) -> list[Row]:
    """Each notebook's run against an empty notebook's, ``rounds`` times over.

    A round times the empty notebook, then every notebook once; a notebook's ratio is the
    median over the rounds of its time divided by that round's empty notebook. One timing
    of the baseline alone would carry the noise of a shared machine into every ratio.
    """
    import tempfile

    import jupytext
    import nbformat

    from scripts.nbrun import execute

    def seconds(md: Path) -> float:
        start = time.perf_counter()
        execute(md)
        return time.perf_counter() - start

    mds = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md"))
    empty_s: list[float] = []
    times: dict[str, list[float]] = {md.stem: [] for md in mds}
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.md"
        jupytext.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), empty)
        for _ in range(rounds):
            empty_s.append(seconds(empty))
            for md in mds:
                times[md.stem].append(seconds(md))
    rows: list[Row] = [
        (
            "empty notebook (kernel start + 1 cell)",
            statistics.median(empty_s) * 1e3,
            "empty",
            1.0,
            "",
        )
    ]
    for stem, ts in times.items():
        ratio = statistics.median(t / e for t, e in zip(ts, empty_s, strict=True))
        rows.append(
            (f"notebook {stem}", statistics.median(ts) * 1e3, "empty", ratio, notebook_target(stem))
        )
    return rows


def slider_explorers() -> dict[str, Callable[[], object]]:
    """One explorer per notebook, built with the arguments its notebook uses."""
    from gumbel_lib.widgets.estimators import estimators_explorer
    from gumbel_lib.widgets.sampling import sampling_explorer
    from gumbel_lib.widgets.simplex import simplex_explorer
    from gumbel_lib.widgets.softmax import softmax_explorer
    from gumbel_lib.widgets.straight_through import straight_through_explorer

    x4 = np.array([1.0, 2.0, 0.5, -1.0])
    c = np.array([0.1, 0.2, 0.6, 0.1])
    return {
        "01 softmax": lambda: softmax_explorer(np.array([1.0, 2.0, 0.5, -1.0, 0.0]), tau=1.0),
        "02 straight-through": lambda: straight_through_explorer(
            x4, np.array([1.0, 0.0, 2.0, 0.5]), tau=1.0
        ),
        "03 sampling (n slider)": lambda: sampling_explorer(
            np.array([0.05, 0.15, 0.3, 0.5]), n=1000, seed=0
        ),
        "04 simplex": lambda: simplex_explorer(np.array([0.2, 0.3, 0.5]), n=1000, seed=0, tau=0.5),
        "06 estimators": lambda: estimators_explorer(
            np.array([0.5, 1.0, -0.5, 0.0]),
            ((np.eye(4) - c) ** 2).sum(axis=1),
            f_grad=lambda y: 2 * (y - c),
            n=2000,
            seed=0,
            tau=0.5,
        ),
    }


def bench_sliders(moves: int) -> list[Row]:
    rows: list[Row] = []
    for name, build in slider_explorers().items():
        explorer = build()
        slider = explorer.slider
        lo, hi = slider.min, slider.max
        values = np.linspace(lo, hi, moves)
        if type(slider).__name__ == "FloatLogSlider":
            values = slider.base**values
        times = []
        for v in values:
            start = time.perf_counter()
            slider.value = v.item()
            explorer.render_png()
            times.append(time.perf_counter() - start)
        ms = statistics.median(times) * 1e3
        rows.append((f"slider move + PNG render: {name}", ms, "100 ms", ms / 100, "≤ 1×"))
    return rows


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; NumPy {np.__version__}"
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| measurement | time (ms) | baseline | ratio | target |",
        "|---|---:|---|---:|---|",
    ]
    for what, ms, base, ratio, target in rows:
        lines.append(f"| {what} | {ms:.1f} | {base} | {ratio:.2f}× | {target} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, skip the notebooks")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()
    repeat = 5 if args.quick else 30

    rows = bench_gumbel_softmax(repeat)
    rows += bench_import(3 if args.quick else 15)
    rows += bench_sliders(5 if args.quick else 25)
    if not args.quick:
        rows += bench_notebooks()
    text = table(rows)
    print(text)
    report = (
        "# Benchmark results\n\n"
        f"Written by `make bench` on {time.strftime('%Y-%m-%d')}.\n\n"
        f"Machine: {machine()}.\n\n"
        "Each ratio divides by a baseline measured in the same run: the random-number floor\n"
        "(`rng.standard_exponential` of the same shape), `import numpy`, an empty notebook, or\n"
        "the 100 ms budget for a slider move. Times are the best of repeated runs for the\n"
        "array kernels and medians for the rest; a notebook's ratio is the median over three\n"
        "rounds of its time over that round's empty notebook.\n\n" + text + "\n"
    )
    if not args.quick:
        Path(args.output).write_text(report, encoding="utf-8")
        print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
