"""Sphinx configuration of the course site (`make html`; scripts/site.py stages the sources).

Sphinx + myst-nb + sphinx-book-theme + sphinxcontrib-bibtex, with every asset local: MathJax 2,
require.js and the widget renderer are copied into ``_static/`` by scripts/site.py from the npm
packages of requirements/npm (never a CDN). The repository URL comes from pyproject.toml's
``[project.urls]``, its one place.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.site import (  # noqa: E402
    PROMPT_HIDE,
    PROMPT_SHOW,
    STATIC_ASSETS,
    STUDENT,
    repository_url,
)

project = "Gumbel-softmax, step by step"
author = "the course's authors"
copyright = "the course's authors; code MIT, text and figures CC BY 4.0"
language = "en"

extensions = ["myst_nb", "sphinxcontrib.bibtex", "sphinx.ext.mathjax"]
exclude_patterns = ["**.ipynb_checkpoints"]

# ---- the notebooks: executed by scripts/export.py, shown as they ran ----------------------------
nb_execution_mode = "off"
nb_code_prompt_show = PROMPT_SHOW
nb_code_prompt_hide = PROMPT_HIDE
myst_enable_extensions = ["dollarmath", "amsmath", "html_image"]
myst_heading_anchors = 3
# `$$...$$` inside a paragraph (the notebooks write display maths on a paragraph's own line)
myst_dmath_double_inline = True
# Sphinx's search fetches each hit's page for a summary, which a browser refuses from file://:
# without summaries the search works the same from a folder or a server
html_show_search_summary = False
# the notebooks' own quotes and dashes, as JupyterLab shows them
smartquotes = False
# the widgets' saved state, drawn by the local html-manager (no CDN for other widget modules)
nb_ipywidgets_js = {
    STATIC_ASSETS["requirejs/require.js"]: {},
    "widgets/require-config.js": {},
    STATIC_ASSETS["@jupyter-widgets/html-manager/dist/embed-amd.js"]: {
        "data-jupyter-widgets-cdn": "",
        "data-jupyter-widgets-cdn-only": "",
    },
}

# ---- maths: MathJax 2 from _static (the same version and configuration as the slides) -----------
mathjax_path = f"{STATIC_ASSETS['mathjax']}/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
mathjax2_config = {
    "tex2jax": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processRefs": False,
        "processEnvironments": False,
        # myst-nb marks a notebook's page `tex2jax_ignore` (outputs may hold stray dollars) and
        # its maths `math`: process those, as Sphinx's MathJax 3 configuration does
        "processClass": "tex2jax_process|mathjax_process|math|output_area",
    },
    "menuSettings": {"zoom": "None"},
}

# ---- the bibliography: one file, docs/references.bib ---------------------------------------------
bibtex_bibfiles = [str(ROOT / "docs" / "references.bib")]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"
# each entry's anchor is its key, so the notebooks' links `references.md#key` land on it
bibtex_cite_id = "{key}"

# ---- the theme: sidebar, search, launch and download buttons -----------------------------------
# scripts/site.py reads it once (repository_url) and passes it on; alone, conf.py reads it itself
REPOSITORY = os.environ.get("SITE_REPOSITORY_URL") or repository_url()
html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_last_updated_fmt = None
# The search box as a plain field: the theme's search *button* shows "Search Ctrl+K" but is named
# "Search" only, which axe-core reports (label-content-name-mismatch, serious).
html_sidebars = {
    "**": ["navbar-logo.html", "icon-links.html", "search-field.html", "sbt-sidebar-nav.html"]
}
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": "main",
    "path_to_docs": "",
    "use_download_button": True,
    "use_repository_button": True,
    "use_fullscreen_button": False,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "notebook_interface": "jupyterlab",
    },
    "show_toc_level": 2,
    "navbar_persistent": [],  # the search button of the page header (see html_sidebars)
    "navigation_with_keys": False,
}


def _bib_labels(app, doctree):
    """Register each bibliography entry's key as a label of the references page, so a link
    `references.md#key` is a cross-reference that Sphinx resolves (and reports when it does not)."""
    if app.env.docname != "docs/references":
        return
    std = app.env.domains.standard_domain
    from scripts.references import entries

    for key in entries():
        if key in doctree.ids:
            std.anonlabels[key] = ("docs/references", key)
            std.labels[key] = ("docs/references", key, key)


def _header_buttons(app, pagename, templatename, context, doctree):
    """The buttons above a notebook's page. Launch: Binder and Colab by name (the theme's logo
    images beside the names would be images without a description). Download: the notebook's
    `.ipynb` (no outputs) and MyST `.md`, as in the repository (scripts/site.py copies them to
    downloads/), its student edition (`make student`'s `.ipynb`, without the solutions, which
    scripts/site.py writes to downloads/student/), then the theme's print-to-PDF."""
    if not pagename.startswith("notebooks/"):
        return
    name = pagename.split("/", 1)[1]
    pathto = context["pathto"]
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":
            for button in group["buttons"]:
                button["icon"] = None
        if group.get("label") != "download-buttons":
            continue
        kept = [b for b in group["buttons"] if b.get("label") == "download-pdf-button"]
        mine = [
            {
                "type": "link",
                "url": pathto(f"downloads/{name}{suffix}", 1),
                "text": suffix,
                "tooltip": tip,
                "icon": icon,
                "label": f"download-{suffix[1:]}-button",
            }
            for suffix, tip, icon in (
                (".ipynb", "Download the notebook (.ipynb)", "fas fa-code"),
                (".md", "Download the notebook as MyST Markdown (.md)", "fas fa-file"),
            )
        ]
        handout = {
            "type": "link",
            "url": pathto(f"downloads/{STUDENT}/{name}.ipynb", 1),
            "text": "student .ipynb",
            "tooltip": "Download the student edition: the notebook without the solutions (.ipynb)",
            "icon": "fas fa-user-graduate",
            "label": "download-student-button",
        }
        group["buttons"] = mine + [handout] + kept


def _alt_from_output(renderer_cls):
    """myst-nb keeps an image output's width and height but not its description (`alt`, which
    gumbel_lib.plots.show writes into the output's metadata): give it to the image too."""
    original = renderer_cls.render_image

    def render_image(self, data):
        found = original(self, data)
        alt = data.output_metadata.get(data.mime_type, {}).get("alt")
        for node in found:
            if alt and not node.get("alt"):
                node["alt"] = str(alt)
        return found

    renderer_cls.render_image = render_image


def _visit_fold(self, node):
    """myst-nb's fold of a hidden cell, without its `aria-label` ("Toggle hidden content"): the
    summary is named by the words it shows, "Show the solution" (axe-core's
    label-content-name-mismatch). scripts/site.py folds a Markdown solution the same way."""
    from html import escape

    self.body.append(f'<details class="admonition hide {" ".join(node["classes"])}">\n')
    self.body.append("<summary>\n")
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def setup(app):
    from myst_nb.core.render import NbElementRenderer
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.add_node(HideCodeCellNode, override=True, html=(_visit_fold, depart_HideCellInput))

    if not getattr(NbElementRenderer.render_image, "_site_alt", False):
        _alt_from_output(NbElementRenderer)
        NbElementRenderer.render_image._site_alt = True
    app.connect("doctree-read", _bib_labels)
    app.connect("html-page-context", _header_buttons, priority=900)
    return {"parallel_read_safe": True}
