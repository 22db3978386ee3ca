"""The bibliography: one source, docs/references.bib; every citation link resolves to an entry.

docs/references.md is written from the .bib by scripts/references.py (the page the notebooks'
links `references.md#key` open in JupyterLab or on the repository's web page); the course site
builds its references page from the same file (tests/delivery/test_site.py checks that page).
"""

from __future__ import annotations

import re

import pytest

from scripts import references
from tests.support.project import ROOT

REFERENCES = ROOT / "docs" / "references.md"
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
LINK = re.compile(r"references\.md#([^)\s\"'>]*)")
#: The keys the collection promises (the team brief's list): each must have an entry.
KEYS = """luce1959 yellott1977 gumbel1954 papandreou2011 maddison2014 maddison2017 jang2017
williams1992 bengio2013 kingma2014 rezende2014 kool2019topk kool2019loo paulus2021 tucker2017
grathwohl2018 huijben2022 mohamed2020 alpaydin1998""".split()
CITING = sorted(
    [*ROOT.glob("notebooks/*.md"), *ROOT.glob("docs/*.md"), ROOT / "README.md"],
    key=lambda p: p.as_posix(),
)


def bib_keys() -> list[str]:
    return list(references.entries())


def anchors(text: str) -> list[str]:
    return ANCHOR.findall(text)


def unresolved(text: str, known: set[str]) -> list[str]:
    """The ``references.md#key`` link targets in ``text`` with no entry in ``known``."""
    return [key for key in LINK.findall(text) if key not in known]


def test_the_bib_covers_the_promised_keys():
    assert [k for k in KEYS if k not in bib_keys()] == []


def test_every_entry_has_a_doi_or_a_url():
    for key, entry in references.entries().items():
        f = entry.fields
        assert f.get("doi", "").startswith("10.") or f.get("url", "").startswith("https://"), key


def test_an_entry_without_a_link_is_refused(tmp_path):
    bib = tmp_path / "x.bib"
    bib.write_text("@book{nolink, author={A, B}, title={T}, year={2000}, keywords={data}}\n")
    with pytest.raises(ValueError, match="nolink has neither a doi nor a url"):
        references.render(bib)


def test_references_md_is_written_from_the_bib():
    """One source of truth: the Markdown page is exactly what the .bib renders to."""
    assert REFERENCES.read_text(encoding="utf-8") == references.render(), (
        "docs/references.md is out of date: run python -m scripts.references"
    )
    assert anchors(REFERENCES.read_text(encoding="utf-8")) == bib_keys()


def test_every_entry_shows_its_key_and_a_link():
    text = REFERENCES.read_text(encoding="utf-8")
    for key in anchors(text):
        entry = text.split(f'<a id="{key}"></a>', 1)[1].split("<a id=", 1)[0]
        assert f"**`{key}`**" in entry, f"the entry {key} does not show its key"
        assert re.search(r"\]\(https://", entry), f"the entry {key} has no link"


@pytest.mark.parametrize("path", CITING, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_citation_links_resolve(path):
    assert unresolved(path.read_text(encoding="utf-8"), set(bib_keys())) == []


def test_a_typo_in_a_key_is_caught():
    known = set(bib_keys())
    text = "[Jang, Gu & Poole 2017](../docs/references.md#jang2017) and [x](references.md#jang2071)"
    assert unresolved(text, known) == ["jang2071"]
    assert unresolved("[all](../docs/references.md#)", known) == [""]
