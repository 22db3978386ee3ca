"""Every citation link `references.md#key` resolves to an anchor of docs/references.md."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from .conftest import ROOT

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


def anchors(text: str) -> list[str]:
    return ANCHOR.findall(text)


def unresolved(text: str, known: set[str]) -> list[str]:
    """The ``references.md#key`` link targets in ``text`` with no anchor in ``known``."""
    return [key for key in LINK.findall(text) if key not in known]


def test_anchors_are_unique_and_cover_the_promised_keys():
    found = anchors(REFERENCES.read_text(encoding="utf-8"))
    assert [k for k, n in Counter(found).items() if n > 1] == []
    assert [k for k in KEYS if k not in found] == []


def test_every_entry_shows_its_key_and_a_link():
    text = REFERENCES.read_text(encoding="utf-8")
    for key in anchors(text):
        entry = text.split(f'<a id="{key}"></a>', 1)[1].split("<a id=", 1)[0]
        assert f"**`{key}`**" in entry, f"the entry {key} does not show its key"
        has_link = re.search(r"\]\(https://", entry)
        assert has_link or key in {"luce1959", "gumbel1954"}, f"the entry {key} has no link"


@pytest.mark.parametrize("path", CITING, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_citation_links_resolve(path):
    known = set(anchors(REFERENCES.read_text(encoding="utf-8")))
    assert unresolved(path.read_text(encoding="utf-8"), known) == []


def test_a_typo_in_a_key_is_caught():
    known = set(anchors(REFERENCES.read_text(encoding="utf-8")))
    text = "[Jang, Gu & Poole 2017](../docs/references.md#jang2017) and [x](references.md#jang2071)"
    assert unresolved(text, known) == ["jang2071"]
    assert unresolved("[all](../docs/references.md#)", known) == [""]
