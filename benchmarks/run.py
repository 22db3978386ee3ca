"""`make bench`: speed figures as ratios against baselines measured in the same run.

Nothing here asserts a time: the machines are shared and noisy. The script prints a table
and writes it, with a description of the machine, to benchmarks/RESULTS.md.

    python benchmarks/run.py            # everything
    python benchmarks/run.py --quick    # fewer repeats, no notebooks, no hub (a smoke run)
    python benchmarks/run.py --hub-only # only the capacity section (a real JupyterHub)
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
NOTEBOOK_TARGETS = {
    "05": "≤ 10×",
    "06": "≤ 10×",
    "07": "≤ 15×",
    "08": "≤ 15×",
    "09": "≤ 15×",
    "10": "≤ 15×",
}


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
    from gumbel_lib.widgets.gumbel_max import sampling_explorer
    from gumbel_lib.widgets.gumbel_softmax import simplex_explorer
    from gumbel_lib.widgets.softmax import softmax_explorer

    c = np.array([0.1, 0.2, 0.6, 0.1])
    return {
        "01 softmax": lambda: softmax_explorer(np.array([1.0, 2.0, 0.5, -1.0, 0.0]), tau=1.0),
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


#: Students at once in the capacity section, and the notebooks they run together: a typical
#: lesson and the heaviest one (the capstone model).
HUB_CONCURRENCY = (1, 5, 10)
HUB_CLASS_NOTEBOOKS = ("03_gumbel_max", "07_categorical_vae")


def bench_hub(
    concurrency: tuple[int, ...] = HUB_CONCURRENCY,
    class_notebooks: tuple[str, ...] = HUB_CLASS_NOTEBOOKS,
) -> str:
    """The capacity plan's figures, measured on a real JupyterHub (scripts/hub.py): each student
    has a server of their own and runs a notebook in their own kernel, as in class.

    Per notebook, one student alone: the peak resident memory of the student's server and
    kernel together (summed RSS, sampled every 0.1 s) and the CPU seconds they spent. Then K
    students at once running the same notebook: the time until the last one finishes, the peak
    memory of their servers and kernels, and the CPU seconds. Returns Markdown tables.
    """
    import json
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    import psutil

    from scripts.hub import Hub, Usage, http, run_notebook

    users = [f"student{i:02d}" for i in range(1, max(concurrency) + 1)]
    nbs = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

    def rss_mb(pids: list[int]) -> float:
        total = 0
        for pid in pids:
            try:
                total += psutil.Process(pid).memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    with tempfile.TemporaryDirectory(prefix="bench-hub-") as tmp, Hub(Path(tmp), users) as hub:
        tokens = {u: hub.login(u) for u in users}
        start = time.perf_counter()
        with ThreadPoolExecutor(len(users)) as pool:
            urls = list(pool.map(lambda u: hub.start_server(u, tokens[u]), users))
        spawn_s = time.perf_counter() - start
        servers = dict(zip(users, urls, strict=True))
        for u in users:
            for nb in nbs:
                body = {"type": "notebook", "format": "json", "content": json.loads(nb.read_text())}
                status, _ = http("PUT", f"{servers[u]}/api/contents/{nb.name}", tokens[u], body)
                if status not in (200, 201):
                    raise RuntimeError(f"could not copy {nb.name} to {u}'s server: {status}")
        pids = {u: hub.server_pid(u) for u in users}
        server_pids = set(pids.values())
        idle_mb = statistics.median(rss_mb([p]) for p in server_pids)
        # the hub and its proxy: the hub's own children that are not students' servers
        children = [c.pid for c in psutil.Process(hub.proc.pid).children()]
        hub_mb = rss_mb([hub.proc.pid, *(c for c in children if c not in server_pids)])

        def run(u: str, nb: str) -> None:
            cells = run_notebook(servers[u], tokens[u], nb)
            errors = [f"code cell {i}: {e}" for i, c in enumerate(cells) for e in c["errors"]]
            if errors:
                raise RuntimeError(f"{nb} failed on {u}'s server: {errors}")

        alone = []
        u = users[0]
        for nb in nbs:
            start = time.perf_counter()
            with Usage(lambda u=u: [pids[u]]) as use:
                run(u, nb.name)
            alone.append((nb.stem, use.peak_mb, use.cpu_seconds, time.perf_counter() - start))
        together = []
        for stem in class_notebooks:
            for k in concurrency:
                group = users[:k]
                start = time.perf_counter()
                with Usage(lambda group=group: [pids[g] for g in group]) as use:
                    with ThreadPoolExecutor(k) as pool:
                        list(pool.map(lambda g, stem=stem: run(g, f"{stem}.ipynb"), group))
                wall = time.perf_counter() - start
                together.append((stem, k, wall, use.peak_mb, use.cpu_seconds))

    lines = [
        f"Hub and proxy: {hub_mb:.0f} MB; an idle student server (`jupyterhub-singleuser`, "
        f"JupyterLab): {idle_mb:.0f} MB (median of {len(server_pids)}); {len(users)} servers "
        f"started at once in {spawn_s:.1f} s.",
        "",
        "| notebook, one student | peak memory, server + kernel (MB) | CPU (s) | time (s) |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {s} | {mb:.0f} | {cpu:.1f} | {wall:.1f} |" for s, mb, cpu, wall in alone]
    lines += [
        "",
        "| notebook | students at once | time to finish (s) | peak memory, all their servers "
        "and kernels (MB) | per student (MB) | CPU (s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {s} | {k} | {wall:.1f} | {mb:.0f} | {mb / k:.0f} | {cpu:.1f} |"
        for s, k, wall, mb, cpu in together
    ]
    return "\n".join(lines)


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
    parser.add_argument(
        "--hub-only",
        action="store_true",
        help="only the capacity section (a real JupyterHub; needs npm once); writes nothing",
    )
    args = parser.parse_args()
    repeat = 5 if args.quick else 30
    if args.hub_only:
        print(bench_hub())
        return

    rows = bench_gumbel_softmax(repeat)
    rows += bench_import(3 if args.quick else 15)
    rows += bench_sliders(5 if args.quick else 25)
    if not args.quick:
        rows += bench_notebooks()
    text = table(rows)
    print(text)
    capacity = "Not measured: `--quick` run."
    if not args.quick:
        try:
            capacity = bench_hub()
        except FileNotFoundError as err:  # no npm for configurable-http-proxy
            capacity = f"Not measured: {err}."
        print("\n" + capacity)
    report = (
        "# Benchmark results\n\n"
        f"Written by `make bench` on {time.strftime('%Y-%m-%d')}.\n\n"
        f"Machine: {machine()}.\n\n"
        "Each ratio divides by a baseline measured in the same run: the random-number floor\n"
        "(`rng.standard_exponential` of the same shape), `import numpy`, an empty notebook, or\n"
        "the 100 ms budget for a slider move. Times are the best of repeated runs for the\n"
        "array kernels and medians for the rest; a notebook's ratio is the median over three\n"
        "rounds of its time over that round's empty notebook.\n\n" + text + "\n"
        "\n## Capacity on a JupyterHub\n\n"
        "Measured on a real JupyterHub on this machine (each student a server and a kernel of\n"
        "their own; docs/teaching-at-scale.md turns these figures into a sizing rule). Memory is\n"
        "resident memory (RSS) summed over the processes, sampled every 0.1 s.\n\n"
        + capacity
        + "\n"
    )
    if not args.quick:
        Path(args.output).write_text(report, encoding="utf-8")
        print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
