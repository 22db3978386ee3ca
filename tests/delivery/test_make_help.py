"""`make` alone lists every target the Makefile declares, each with its one-line description."""

from __future__ import annotations

import re
import subprocess

from tests.support.project import ROOT


def test_bare_make_lists_every_phony_target():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"(?m)^\.PHONY:(.*)$", makefile).group(1).split()
    out = subprocess.run(
        ["make", "--no-print-directory"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    listed = re.findall(r"(?m)^  make (\S+)\s+\S", out)
    assert sorted(listed) == sorted(phony), out
