"""Offline classroom exports: reveal.js slides (`make slides`) and the course site (`make html`).

    python -m scripts.export slides [--out build/slides] [notebooks/01_x.md ...]
    python -m scripts.export html   [--out build/html]   [notebooks/01_x.md ...]

Every notebook is executed first (scripts/nbrun.py: a fresh kernel, errors and stderr are fatal),
so figures and the widgets' last state are in the pages. nbconvert's default pages load reveal.js,
MathJax, require.js, jQuery and the widget renderer from CDNs; here every one of those URLs points
at a local copy installed from the npm registry (requirements/npm/package-lock.json) into
build/assets by `npm ci`, so the pages work with no network. The slides' URLs are relative paths,
so keep build/slides and build/assets side by side (e.g. copy or zip the whole build/ folder).

`make html` is the course site (scripts/site.py: Sphinx, myst-nb, sphinx-book-theme): it gets the
same executed notebooks and copies the assets it needs into itself, so build/html stands alone.
The html kind's nbconvert template (one page per notebook, solutions folded) is kept for code
that renders a single notebook page.
"""

from __future__ import annotations

import argparse
import html
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NPM_SPEC = ROOT / "requirements" / "npm"
ASSETS = ROOT / "build" / "assets"
TEMPLATES = Path(__file__).resolve().parent / "templates"

#: Files inside ``ASSETS/node_modules`` that the pages load (checked after ``npm ci``).
ASSET_FILES = {
    "reveal": "reveal.js",  # a folder: dist/ and plugin/ are used
    "mathjax": "mathjax/MathJax.js",
    "requirejs": "requirejs/require.js",
    "jquery": "jquery/dist/jquery.min.js",
    "widgets": "@jupyter-widgets/html-manager/dist/embed-amd.js",
    "axe": "axe-core/axe.min.js",  # not loaded by the pages: the accessibility tests inject it
}
MATHJAX_CONFIG = "?config=TeX-AMS_CHTML-full,Safe"


def notebooks() -> list[Path]:
    """The collection, in order: ``notebooks/NN_name.md``."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md"))


def ensure_assets(assets: Path = ASSETS) -> Path:
    """Install the browser assets with ``npm ci`` unless the installed lock is current.

    Returns ``assets / "node_modules"``. Raises ``FileNotFoundError`` when npm is missing.
    """
    from scripts.npm import npm_ci

    needed = [Path("node_modules") / f for f in ASSET_FILES.values()]
    npm_ci(NPM_SPEC, assets, needed, "the offline assets")
    return assets / "node_modules"


def asset_urls(modules: Path, out: Path) -> dict[str, str]:
    """The nbconvert URL options, as paths relative to the output folder ``out``."""
    rel = {
        key: Path(os.path.relpath(modules / f, out)).as_posix() for key, f in ASSET_FILES.items()
    }
    return {
        "reveal_url_prefix": rel["reveal"],
        "mathjax_url": rel["mathjax"] + MATHJAX_CONFIG,
        "require_js_url": rel["requirejs"],
        "jquery_url": rel["jquery"],
        "widget_renderer_url": rel["widgets"],
    }


def title_of(nb) -> str:
    """The first Markdown heading of a notebook (its title)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def check(path: Path) -> tuple[object | None, str | None]:
    """Execute a notebook in a fresh kernel: ``(notebook, None)`` if it runs cleanly, else
    ``(None, line)``, one line naming the notebook, the cell and the error or warning."""
    from scripts.nbrun import NotebookError, cell_lines, execute, problems, where

    try:
        nb = execute(path)
    except NotebookError as err:
        return None, err.summary()
    found = problems(nb)
    if not found:
        return nb, None
    cell = int(found[0].split(":", 1)[0].removeprefix("cell "))
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return None, f"{where(path, cell_lines(path, nb)[cell])}: {found[0]}{more}"


def run(path: Path):
    """Execute a notebook in a fresh kernel; if a cell failed or warned, exit with one line
    naming the notebook, the cell and the problem (no traceback, no colour codes)."""
    nb, problem = check(path)
    if problem:
        raise SystemExit(problem)
    return nb


def run_all(paths: Sequence[Path]) -> list[tuple[Path, object]]:
    """Execute every notebook of ``paths``; exit with one line per notebook that failed or
    warned, after trying them all."""
    executed, failed = [], []
    for path in paths:
        nb, problem = check(path)
        if problem:
            failed.append(problem)
        else:
            executed.append((path, nb))
    if failed:
        raise SystemExit("\n".join(failed))
    return executed


def _exporter(kind: str, urls: dict[str, str]):
    from traitlets.config import Config

    spec = KINDS[kind]
    cls = getattr(importlib.import_module("nbconvert"), spec.exporter)
    options = {k: v for k, v in urls.items() if k in spec.asset_urls}
    options.update(spec.options)
    options["extra_template_paths"] = [str(TEMPLATES)]
    options["template_file"] = spec.template
    return cls(config=Config({spec.exporter: options}))


#: On slides, a figure whose code is longer than this many lines gets a sub-slide of its own,
#: right after the code: a 1280×720 frame holds about 11 lines of code under a figure sized for
#: it (tests/notebooks/test_slide_fit.py). Shorter code stays on one slide with its figure.
FIGURE_CODE_LINES = 8

#: The output types that are figures (the widgets' state images are drawn by the page).
FIGURE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def _is_figure(output) -> bool:
    return any(kind in output.get("data", {}) for kind in FIGURE_TYPES)


def _figures_on_their_own_subslide(nb) -> None:
    """Split each code cell of more than :data:`FIGURE_CODE_LINES` lines that draws a figure in
    two: the code (with no output) where it was, then its outputs, without the code, on a new
    sub-slide. The notebook itself is unchanged: this is how the slides lay it out."""
    import copy

    cells = []
    for cell in nb.cells:
        cells.append(cell)
        slide_type = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if cell.cell_type != "code" or slide_type in ("skip", "notes"):
            continue
        if len(cell.source.splitlines()) <= FIGURE_CODE_LINES:
            continue
        if not any(_is_figure(o) for o in cell.get("outputs", [])):
            continue
        shown = copy.deepcopy(cell)
        if "id" in shown:
            shown.id = f"{cell.id[:55]}-figure"  # ids are unique within a notebook
        shown.metadata["slideshow"] = {"slide_type": "subslide"}
        shown.metadata["transient"] = {"remove_source": True}
        cell.outputs = []
        cells.append(shown)
    nb.cells = cells


def _skip_solutions(nb) -> None:
    """On slides, exercise solutions (tag ``hide-cell``) are left out, code and output: students
    try first. (The HTML pages fold them instead: scripts/templates/offline_lab.html.j2.)"""
    for cell in nb.cells:
        if "hide-cell" in cell.metadata.get("tags", []):
            cell.metadata.setdefault("slideshow", {})["slide_type"] = "skip"


def _site(executed, out: Path, modules: Path) -> list[Path]:
    """The course site (scripts/site.py) of the executed notebooks."""
    from scripts import site

    return site.build(executed, out, modules)


def _no_remote_images(nb) -> None:
    """A Markdown image from the network (the "Open in Colab" badge) becomes its words, a plain
    link: the slides load nothing from the network (the site does the same: scripts/site.py)."""
    from scripts.site import REMOTE_IMAGE

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = REMOTE_IMAGE.sub(r"\1", cell.source)


@dataclass(frozen=True)
class ExportKind:
    """One way to export the executed notebooks: nbconvert's exporter, its template and options,
    the file suffix, what is done to each notebook first, and the index page's words."""

    exporter: str  # an nbconvert exporter class
    template: str  # in scripts/templates/
    suffix: str
    heading: str
    note: str
    options: dict = field(default_factory=dict)
    asset_urls: tuple[str, ...] = (
        "mathjax_url",
        "require_js_url",
        "jquery_url",
        "widget_renderer_url",
    )
    prepare: tuple[Callable, ...] = ()  # applied to each notebook before export
    #: Builds the whole output instead of the per-notebook pages and index:
    #: ``build(executed, out, node_modules) -> written pages``.
    build: Callable | None = None


#: Every export kind: ``make slides`` and ``make html``. A new kind is one entry here, a template
#: and a make target.
KINDS: dict[str, ExportKind] = {
    "slides": ExportKind(
        exporter="SlidesExporter",
        template="offline_reveal.html.j2",
        suffix=".slides.html",
        heading="Gumbel-softmax, step by step: slides",
        note=(
            "Slides for each notebook (reveal.js, works offline). Keys: space / arrows to move, "
            "<kbd>F</kbd> full screen, <kbd>Esc</kbd> overview, <kbd>S</kbd> speaker view. "
            "Widgets show their last state; move the sliders live in JupyterLab."
        ),
        # A 16:9 frame of 1280×720 CSS pixels, a projector's shape
        # (tests/notebooks/test_slide_fit.py).
        # No scrolling slides: every slide fits the frame, and nbconvert's scroll option sized a
        # slide when it was shown, before MathJax re-rendered it, so a slide that fits could
        # get a scroll bar or not depending on timing.
        options=dict(
            reveal_scroll=False,
            reveal_number="c/t",
            reveal_theme="white",
            reveal_width="1280",
            reveal_height="720",
        ),
        asset_urls=(
            "mathjax_url",
            "require_js_url",
            "jquery_url",
            "widget_renderer_url",
            "reveal_url_prefix",
        ),
        prepare=(_no_remote_images, _skip_solutions, _figures_on_their_own_subslide),
    ),
    "html": ExportKind(
        exporter="HTMLExporter",
        template="offline_lab.html.j2",
        suffix=".html",
        heading="Gumbel-softmax, step by step",
        note=(
            "Every notebook, executed, with its figures: for reading offline. Solutions are folded."
        ),
        build=_site,
    ),
}


def _index(out: Path, heading: str, entries: list[tuple[str, str]], note: str) -> Path:
    items = "\n".join(
        f'  <li><a href="{html.escape(href)}">{html.escape(title)}</a></li>'
        for href, title in entries
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(heading)}</title>
<style>
body {{ font-family: sans-serif; max-width: 48em; margin: 2em auto; line-height: 1.5; }}
li {{ margin: 0.4em 0; }}
</style>
</head>
<body>
<h1>{html.escape(heading)}</h1>
<p>{note}</p>
<ol>
{items}
</ol>
</body>
</html>
"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def export(
    kind: str,
    out: Path,
    paths: Sequence[Path] | None = None,
    executed: Sequence[tuple[Path, object]] | None = None,
) -> list[Path]:
    """Execute ``paths`` (default: all notebooks); write ``kind`` pages and an index to ``out``.

    ``executed`` (pairs of path and executed notebook, e.g. from :func:`run`) skips the execution.
    A notebook that fails or warns stops the export with one line per such notebook
    (:func:`run_all`).
    """
    if executed is None:  # first: a notebook that fails stops the export before npm runs
        executed = run_all([Path(p).resolve() for p in (paths or notebooks())])
    if not executed:
        raise SystemExit("no notebooks/NN_name.md found")
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    spec = KINDS[kind]
    if spec.build is not None:
        return spec.build(executed, out, ensure_assets())
    exporter = _exporter(kind, asset_urls(ensure_assets(), out))
    suffix = spec.suffix
    titles = [(p.stem + suffix, title_of(nb)) for p, nb in executed]
    written = []
    for i, (path, nb) in enumerate(executed):
        for step in spec.prepare:
            step(nb)
        resources = {"metadata": {"name": path.stem, "path": str(path.parent)}}
        if i > 0:
            resources["prev_page"] = titles[i - 1]
        if i + 1 < len(executed):
            resources["next_page"] = titles[i + 1]
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        target = out / (path.stem + suffix)
        target.write_text(body, encoding="utf-8")
        written.append(target)
        print(f"wrote {target.relative_to(out.parent) if out.parent in target.parents else target}")
    written.append(_index(out, spec.heading, titles, spec.note))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.md")
    parser.add_argument("--out", type=Path, help="default: build/slides or build/html")
    args = parser.parse_intermixed_args(argv)
    out = args.out or ROOT / "build" / args.kind
    export(args.kind, out, args.notebooks or None)
    print(f"open {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # for scripts/nbrun.py when run as a file
    sys.exit(main())
