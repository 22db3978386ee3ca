"""`python -m gumbel_lib.lab_settings` never loses or corrupts the user's overrides.json."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gumbel_lib import lab_settings
from gumbel_lib.lab_settings import OVERRIDES, install_overrides

from .conftest import ROOT

USER = {
    "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
}


def _overrides(prefix: Path) -> Path:
    path = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _cli(prefix: Path, *, preamble: str = "") -> subprocess.CompletedProcess:
    """``python -m gumbel_lib.lab_settings PREFIX``, after ``preamble`` (limits, signals)."""
    code = (
        preamble
        + "\nimport runpy; runpy.run_module('gumbel_lib.lab_settings', run_name='__main__')"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(prefix)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def _leftovers(folder: Path) -> list[str]:
    """Temporary files a failed write could leave behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_fresh_prefix_gets_the_overrides(tmp_path):
    path = install_overrides(tmp_path)
    assert json.loads(path.read_text(encoding="utf-8")) == OVERRIDES
    assert path.stat().st_mode & 0o044, "overrides.json should be readable like any setting"


@pytest.mark.parametrize(
    "content",
    [b"[1, 2]", b"null", b"3", b'"text"', b"{not json", b'{"a": "\xff\xfe"}'],
    ids=["list", "null", "number", "string", "bad-json", "not-utf8"],
)
def test_a_file_that_is_not_a_json_object_is_refused_and_left_alone(tmp_path, content):
    path = _overrides(tmp_path)
    path.write_bytes(content)
    done = _cli(tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0], done.stderr
    assert path.read_bytes() == content, "the refused file was modified"
    with pytest.raises(lab_settings.SettingsError, match="overrides.json"):
        install_overrides(tmp_path)


def test_a_folder_in_place_of_the_file_is_refused(tmp_path):
    path = _overrides(tmp_path)
    path.mkdir()
    (path / "keep").write_text("x")
    done = _cli(tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "not a regular file" in done.stderr
    assert (path / "keep").read_text() == "x"


def test_a_dangling_symlink_is_not_followed_into_a_new_file(tmp_path):
    path = _overrides(tmp_path)
    target = tmp_path / "elsewhere" / "made-up.json"
    target.parent.mkdir()
    path.symlink_to(target)
    done = _cli(tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "symbolic link" in done.stderr
    assert not target.exists(), "a new file was created through the dangling link"
    assert path.is_symlink()


def test_a_symlink_to_a_real_file_is_merged_into_that_file(tmp_path):
    path = _overrides(tmp_path)
    target = tmp_path / "dotfiles" / "overrides.json"
    target.parent.mkdir()
    target.write_text(json.dumps(USER))
    path.symlink_to(target)
    install_overrides(tmp_path)
    assert path.is_symlink(), "the user's link was replaced by a file"
    merged = json.loads(target.read_text())
    assert (
        merged["@jupyterlab/apputils-extension:themes"]
        == USER["@jupyterlab/apputils-extension:themes"]
    )
    assert "defaultViewers" in merged["@jupyterlab/docmanager-extension:plugin"]


def test_a_failed_write_leaves_the_original_file_intact(tmp_path, monkeypatch):
    """An encoding error half-way through the write: the old code had truncated the file."""
    path = _overrides(tmp_path)
    original = json.dumps(USER, indent=1).encode()
    path.write_bytes(original)
    real_dumps = json.dumps
    monkeypatch.setattr(
        lab_settings.json, "dumps", lambda *a, **k: real_dumps(*a, **k)[:20] + "\ud800"
    )
    with pytest.raises(UnicodeEncodeError):
        install_overrides(tmp_path)
    assert path.read_bytes() == original
    assert _leftovers(path.parent) == []


def test_a_full_disk_leaves_the_original_file_intact(tmp_path):
    """A real write error (the file-size limit stands in for a full disk), from the CLI."""
    path = _overrides(tmp_path)
    original = json.dumps(USER).encode()
    path.write_bytes(original)
    preamble = textwrap.dedent(
        """
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (16, 16))
        """
    )
    done = _cli(tmp_path, preamble=preamble)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert path.read_bytes() == original
    assert _leftovers(path.parent) == []


WORKER = """
import sys
from gumbel_lib import lab_settings
prefix, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
for r in range(rounds):
    # Each run brings keys of its own, as a newer version of the package would.
    lab_settings.OVERRIDES = {f"{name}-{r}": {"round": r}}
    lab_settings.install_overrides(prefix)
"""


def test_concurrent_runs_keep_every_key(tmp_path):
    """Six processes merging at once: no run may drop the user's or another run's keys."""
    path = _overrides(tmp_path)
    path.write_text(json.dumps(USER))
    workers, rounds = 6, 15
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tmp_path), f"w{i}", str(rounds)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(workers)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    merged = json.loads(path.read_text(encoding="utf-8"))
    for key, value in USER.items():
        assert merged[key] == value, f"the user's {key} was lost"
    expected = {f"w{i}-{r}" for i in range(workers) for r in range(rounds)}
    missing = expected - set(merged)
    assert missing == set(), f"{len(missing)} of {len(expected)} keys lost"
    assert _leftovers(path.parent) == []
