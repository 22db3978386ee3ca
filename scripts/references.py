"""docs/references.md, written from docs/references.bib: the bibliography's one source.

    python -m scripts.references          # rewrite docs/references.md
    python -m scripts.references --check  # exit 1 if docs/references.md is out of date

The Markdown page is what a reader of the notebooks meets in JupyterLab, on Binder or on the
repository's web page: the notebooks cite
``[Jang, Gu & Poole 2017](../docs/references.md#jang2017)`` and each entry has an anchor named by
its key. The course site (`make html`) builds its own
references page from the same ``.bib`` with sphinxcontrib-bibtex.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIB = ROOT / "docs" / "references.bib"
MARKDOWN = ROOT / "docs" / "references.md"

#: The sections of the page, in order: a ``keywords`` value of the .bib and its heading.
SECTIONS = {
    "origins": "Where the trick comes from",
    "relaxation": "The relaxation (the two ICLR 2017 papers, found at the same time)",
    "estimators": "Gradient estimators",
    "extensions": "Extensions and surveys",
    "applications": "Applications named in the overview",
    "data": "Data",
}

HEADER = """# References

<!-- Written by `python -m scripts.references` from docs/references.bib: edit the .bib. -->

The works the notebooks cite, each with its DOI or a link to a free copy (or, for the two books,
to library catalogues). Cite one from a notebook as
`[Jang, Gu & Poole 2017](../docs/references.md#jang2017)`; the anchor is the key in bold. The one
source is `docs/references.bib` (add an entry there, with a `doi` or `url`, then run
`python -m scripts.references`); the course site's references page is built from the same file.
`tests/notebooks/test_references.py` fails when a citation link in `notebooks/*.md`, `docs/*.md`
or the README names a key with no entry, or when this page is out of date.
"""


def _plain(text: str) -> str:
    """BibTeX text as a reader sees it: braces dropped, ``\\&`` and ``--`` spelled out."""
    return re.sub(r"[{}]", "", text).replace("\\&", "&").replace("--", "–")


def entries(bib: Path = BIB):
    """The entries of ``bib`` in file order (pybtex)."""
    from pybtex.database import parse_file

    return parse_file(str(bib), bib_format="bibtex").entries


def authors(entry) -> str:
    names = [
        " ".join(p.first_names + p.middle_names + p.prelast_names + p.last_names + p.lineage_names)
        for p in entry.persons.get("author", [])
    ]
    names = [_plain(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def link(entry) -> str:
    """``[doi:...](https://doi.org/...)`` or ``[arXiv:...](url)`` or ``[host/path](url)``."""
    f = entry.fields
    if "doi" in f:
        return f"[doi:{f['doi']}](https://doi.org/{f['doi']})"
    url = f["url"]
    if m := re.match(r"https://arxiv\.org/abs/(.+)", url):
        return f"[arXiv:{m.group(1)}]({url})"
    shown = re.sub(r"^https?://(www\.)?", "", url).split("?")[0].rstrip("/")
    if "worldcat.org" in shown:
        shown = "WorldCat (library catalogues)"
    return f"[{shown}]({url})"


def venue(entry) -> str:
    f = entry.fields
    if "journal" in f:
        text = f"*{_plain(f['journal'])}*"
        if "volume" in f:
            text += f" {f['volume']}" + (f"({_plain(f['number'])})" if "number" in f else "")
    elif "booktitle" in f:
        text = f"*{_plain(f['booktitle'])}*"
    elif "howpublished" in f:
        text = f"*{_plain(f['howpublished'])}*"
    else:
        text = ""
        if "series" in f:
            text = _plain(f["series"]) + (f" {f['number']}" if "number" in f else "") + ". "
        text += ": ".join(_plain(f[k]) for k in ("address", "publisher") if k in f)
    if "pages" in f:
        text += f", {_plain(f['pages'])}"
    return text


def entry_markdown(key: str, entry) -> str:
    f = entry.fields
    title = _plain(f["title"])
    title = f"*{title}*" if entry.type == "book" else title
    parts = [f"{authors(entry)} ({f['year']}). {title}."]
    if v := venue(entry):
        parts.append(f"{v}.")
    parts.append(f"{link(entry)}.")
    if "note" in f:
        parts.append(_plain(f["note"]).rstrip(".") + ".")
    return f'<a id="{key}"></a>\n**`{key}`** ' + " ".join(parts)


def render(bib: Path = BIB) -> str:
    """The whole Markdown page for ``bib``. Raises ``ValueError`` for an entry without a
    ``doi`` or ``url``, or with a ``keywords`` section not in :data:`SECTIONS`."""
    found = entries(bib)
    by_section: dict[str, list[str]] = {s: [] for s in SECTIONS}
    for key, entry in found.items():
        if "doi" not in entry.fields and "url" not in entry.fields:
            raise ValueError(f"{bib.name}: the entry {key} has neither a doi nor a url")
        section = entry.fields.get("keywords", "")
        if section not in SECTIONS:
            raise ValueError(
                f"{bib.name}: the entry {key} has keywords={section!r}, not one of "
                f"{', '.join(SECTIONS)}"
            )
        by_section[section].append(entry_markdown(key, entry))
    body = [HEADER]
    for section, items in by_section.items():
        if items:
            body.append(f"## {SECTIONS[section]}\n")
            body.extend(item + "\n" for item in items)
    return "\n".join(body)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if argv == ["--check"]:
        if MARKDOWN.read_text(encoding="utf-8") != text:
            print("docs/references.md is out of date: run python -m scripts.references")
            return 1
        return 0
    MARKDOWN.write_text(text, encoding="utf-8")
    print(f"wrote {MARKDOWN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
