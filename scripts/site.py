"""The course site of `make html`: Sphinx + myst-nb + sphinx-book-theme, built offline.

    python -m scripts.export html [--out build/html]

scripts/export.py executes every notebook once (a fresh kernel; errors and stderr are fatal) and
hands the executed notebooks here. :func:`build` writes them, lightly prepared (below), into a
source folder beside the output, with the site's pages (``site/``: ``conf.py``, the index, the
CSS) and the bibliography page, then runs ``sphinx-build -W`` (every warning, an unresolved
cross-reference among them, fails the build). myst-nb does not execute anything
(``nb_execution_mode = "off"``): the outputs are those of the export's run.

What the preparation does, without changing a notebook's words:

- "notebook NN" in the prose becomes a link to that notebook's page (a numbered cross-reference
  that Sphinx resolves: a wrong number fails the build);
- a solution written in Markdown (tag ``hide-cell``) is folded like the code solutions that
  myst-nb folds itself;
- a link to a repository file outside the site (the README) points at the repository;
- an image from the network (the "Open in Colab" badge) is replaced by its words: no page
  loads anything from the network.

After the build, the browser assets (MathJax 2, require.js and the widget renderer, installed
from the npm registry by scripts/export.py) are copied into the site's ``_static/``, and each
notebook's own files (``.ipynb`` without outputs, MyST ``.md``) into ``downloads/`` for the
page's download buttons, with its student edition (written by scripts/student.py, the code of
`make student`: no solutions, starters and checks kept) in ``downloads/student/``. Nothing is
fetched when the pages are read: search, MathJax and the widgets' saved state all work from
``file://``.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

from scripts import student

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"  # conf.py, index.md, _static/
BIB = ROOT / "docs" / "references.bib"
NOTEBOOKS = ROOT / "notebooks"

#: The files of MathJax 2 that the site's configuration (TeX-AMS_CHTML-full, Safe) loads: about
#: 4 MB of the package's 71 MB.
MATHJAX_PARTS = (
    "MathJax.js",
    "config/TeX-AMS_CHTML-full.js",
    "config/Safe.js",
    "extensions",
    "jax/input/TeX",
    "jax/output/CommonHTML",
    "jax/element",
    "fonts/HTML-CSS/TeX/woff",
    "localization/en",
)
#: The widget renderer, where require.js (its base URL set by site/_static/widgets/
#: require-config.js) finds it and the fonts beside it.
WIDGETS = "widgets/@jupyter-widgets/html-manager/dist/embed-amd.js"
WIDGET_FONTS = (".woff2", ".woff", ".ttf", ".eot", ".svg")
#: Where the pages find the assets, inside ``_static/`` (site/conf.py names the same paths).
STATIC_ASSETS = {
    "mathjax": "mathjax",
    "requirejs/require.js": "widgets/require.js",
    "@jupyter-widgets/html-manager/dist/embed-amd.js": WIDGETS,
}

NOTEBOOK_REF = re.compile(r"\b([Nn]otebooks?) (\d\d)\b")
#: Spans of Markdown left as they are: links, inline code, inline maths.
PROTECTED = re.compile(r"\[[^\]]*\]\([^)]*\)|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", re.S)
README_LINK = re.compile(r"\]\(\.\./README\.md\)")
#: A Markdown image from the network (the notebooks' "Open in Colab" badge): the site shows its
#: words instead, as a plain link (the page's launch button opens Colab too).
REMOTE_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*(?:https?:)?//[^)]*\)")
#: The folder of ``downloads/`` that holds the student edition (site/conf.py's button links there).
STUDENT = "student"
#: The words on a folded solution (site/conf.py gives myst-nb's folded code cells the same).
PROMPT_SHOW, PROMPT_HIDE = "Show the solution", "Hide the solution"
#: The site's fold of a code cell (myst-nb's, as site/conf.py writes it), for Markdown.
FOLD = (
    '<details class="admonition hide above-input">\n<summary>\n'
    f'<p class="collapsed admonition-title">{PROMPT_SHOW}</p>\n'
    f'<p class="expanded admonition-title">{PROMPT_HIDE}</p>\n</summary>\n\n'
)


def repository_url(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The repository's URL, from ``[project.urls]`` (its one place): the ``Repository`` entry,
    else ``Source`` or ``Homepage``. Raises ``SystemExit`` naming the table when none is set."""
    urls = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("urls", {})
    lower = {k.lower(): v for k, v in urls.items()}
    for key in ("repository", "source", "homepage"):
        if key in lower:
            return lower[key].rstrip("/")
    raise SystemExit("pyproject.toml: [project.urls] has no Repository URL (the site's buttons)")


def link_notebooks(text: str, pages: dict[str, str]) -> str:
    """``text`` with each "notebook NN" (outside links, code and maths, and not in a heading)
    linked to ``pages[NN]`` (a file name). A number with no notebook is linked anyway, to a
    page that does not exist, so that Sphinx reports it."""

    def link(match: re.Match) -> str:
        word, number = match.groups()
        target = pages.get(number, f"{number}_missing.ipynb")
        return f"[{word} {number}]({target})"

    def plain(piece: str) -> str:
        return NOTEBOOK_REF.sub(link, piece)

    lines = []
    for line in text.split("\n"):
        if line.lstrip().startswith("#"):
            lines.append(line)
            continue
        out, last = [], 0
        for m in PROTECTED.finditer(line):
            out.append(plain(line[last : m.start()]))
            out.append(m.group(0))
            last = m.end()
        out.append(plain(line[last:]))
        lines.append("".join(out))
    return "\n".join(lines)


def fold_markdown(source: str) -> str:
    """A Markdown solution folded in a ``<details>`` block, as myst-nb folds a code solution."""
    return f"{FOLD}{source}\n\n</details>"


def prepare(nb, pages: dict[str, str], repo: str):
    """A copy of the executed notebook ``nb`` ready for the site (see the module's docstring)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        source = link_notebooks(REMOTE_IMAGE.sub(r"\1", cell.source), pages)
        source = README_LINK.sub(f"]({repo}/blob/main/README.md)", source)
        if "hide-cell" in cell.metadata.get("tags", []):
            source = fold_markdown(source)
        cell.source = source
    return nb


REFERENCES_PAGE = """# References

The works the notebooks cite, each with its DOI or a link to a free copy. The list is generated
from the course's one bibliography file, `docs/references.bib`.

```{bibliography}
:all:
:list: enumerated
```
"""


def toc_entries(executed: Sequence[tuple[Path, object]]) -> str:
    """The notebooks' lines of the index's table of contents, each titled with its number as
    the prose says it ("notebook 03"): ``03 · Title <notebooks/03_name>``."""
    from scripts.export import title_of

    lines = [f"{p.stem[:2]} · {title_of(nb)} <notebooks/{p.stem}>" for p, nb in executed]
    return "\n" + "\n".join(lines) + "\n"


def stage(executed: Sequence[tuple[Path, object]], src: Path, repo: str) -> None:
    """Write the site's sources to ``src``: the index, the prepared notebooks, the references."""
    import nbformat

    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    (src / "docs").mkdir()
    pages = {p.stem[:2]: f"{p.stem}.ipynb" for p, _ in executed}
    index = (SITE / "index.md").read_text(encoding="utf-8")
    (src / "index.md").write_text(index.replace("\nnotebooks/*\n", toc_entries(executed)))
    for path, nb in executed:
        nbformat.write(prepare(nb, pages, repo), src / "notebooks" / f"{path.stem}.ipynb")
    (src / "docs" / "references.md").write_text(REFERENCES_PAGE, encoding="utf-8")


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def copy_assets(modules: Path, static: Path) -> None:
    """The browser assets the pages load, from ``modules`` (node_modules) into ``static``."""
    mathjax = modules / "mathjax"
    for part in MATHJAX_PARTS:
        source = mathjax / part
        files = (
            [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        )
        for f in files:
            _link_or_copy(f, static / STATIC_ASSETS["mathjax"] / f.relative_to(mathjax))
    for name, where in STATIC_ASSETS.items():
        if name != "mathjax":
            _link_or_copy(modules / name, static / where)
    # The renderer's bundles each look for the fonts beside their own module's URL: that of
    # @jupyter-widgets/html-manager/dist/... or @jupyter-widgets/controls (whichever draws first).
    dist = modules / "@jupyter-widgets/html-manager/dist"
    for font in sorted(f for f in dist.iterdir() if f.suffix in WIDGET_FONTS):
        for folder in (Path(WIDGETS).parent, Path(WIDGETS).parents[2]):
            _link_or_copy(font, static / folder / font.name)


def build(
    executed: Sequence[tuple[Path, object]], out: Path, modules: Path, src: Path | None = None
) -> list[Path]:
    """Build the site from ``executed`` (pairs of ``notebooks/NN_name.md`` and the executed
    notebook) into ``out``; returns the notebook pages and the index. ``modules`` is the
    node_modules folder of the offline assets. The Sphinx sources go to ``src`` (default: a
    folder beside ``out``)."""
    out = Path(out).resolve()
    src = Path(src or out.parent / f".{out.name}-src").resolve()
    repo = repository_url()
    stage(executed, src, repo)
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going"]
    cmd += ["-c", str(SITE), "-d", str(src.parent / f".{out.name}-doctrees"), str(src), str(out)]
    env = {**os.environ, "SITE_REPOSITORY_URL": repo}
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"sphinx-build failed:\n{result.stderr.strip() or result.stdout.strip()}")
    copy_assets(modules, out / "_static")
    downloads = out / "downloads"
    handouts = downloads / STUDENT
    handouts.mkdir(parents=True, exist_ok=True)
    written = []
    for path, _ in executed:
        for suffix in (".ipynb", ".md"):
            if path.with_suffix(suffix).is_file():
                shutil.copy(path.with_suffix(suffix), downloads / f"{path.stem}{suffix}")
        student.write_one(path, handouts)
        page = out / "notebooks" / f"{path.stem}.html"
        print(f"wrote {page}")
        written.append(page)
    written.append(out / "index.html")
    return written
