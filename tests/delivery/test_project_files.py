"""The files a reused course needs exist and agree: licences, citation, changelog, one version."""

from __future__ import annotations

import re

import gumbel_lib
from tests.support.project import ROOT


def test_licences_citation_changelog_contributing_exist():
    for name in (
        "LICENSE",
        "LICENSE-CONTENT.md",
        "CITATION.cff",
        "CHANGELOG.md",
        "CONTRIBUTING.md",
    ):
        assert (ROOT / name).is_file(), f"{name} is missing"
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "CC BY 4.0" in (ROOT / "LICENSE-CONTENT.md").read_text(encoding="utf-8")


def test_the_version_lives_in_one_place():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'(?m)^dynamic = \["version"\]', pyproject), "pyproject must not repeat it"
    assert 'attr = "gumbel_lib.__version__"' in pyproject
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r"(?m)^version: (\S+)$", citation).group(1) == gumbel_lib.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"(?m)^## (\d+\.\d+\.\d+)", changelog)
    assert releases and releases[0] == gumbel_lib.__version__
