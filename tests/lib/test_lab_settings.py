"""`python -m gumbel_lib.lab_settings` never loses or corrupts the user's overrides.json."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gumbel_lib import lab_settings
from gumbel_lib.lab_settings import OVERRIDES, install_overrides
from tests.support.project import ROOT

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


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m gumbel_lib.lab_settings ARGS`` in folder ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "gumbel_lib.lab_settings", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_the_usage_and_writes_nothing(tmp_path, flag):
    done = _run(flag, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m gumbel_lib.lab_settings [-h] [PREFIX]")
    assert list(tmp_path.iterdir()) == [], "--help created files"


@pytest.mark.parametrize("args", [["--prefix", "x"], ["-x"], ["a", "b"]], ids=str)
def test_unknown_options_are_refused_and_write_nothing(tmp_path, args):
    done = _run(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert "usage:" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_prefix_that_looks_like_an_option_after_double_dash(tmp_path):
    done = _run("--", "--odd", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "--odd" / "share" / "jupyter" / "lab" / "settings").is_dir()


def _one_line_refusal(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_a_loop_of_symbolic_links_is_one_line(tmp_path):
    path = _overrides(tmp_path)
    other = path.with_name("other.json")
    path.symlink_to(other)
    other.symlink_to(path)
    _one_line_refusal(_cli(tmp_path), str(path), "symbolic link", "loop")
    assert path.is_symlink() and other.is_symlink()


@pytest.mark.parametrize("depth", [101, 100_000])
def test_deeply_nested_json_is_refused_with_a_reason(tmp_path, depth):
    path = _overrides(tmp_path)
    content = ('{"a": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}").encode()
    path.write_bytes(content)
    _one_line_refusal(_cli(tmp_path), str(path), "more than 100 levels deep")
    assert path.read_bytes() == content


def test_nesting_up_to_the_limit_is_kept(tmp_path):
    path = _overrides(tmp_path)
    deep = {"a": [[[]]]}
    for _ in range(96):
        deep = {"k": deep}
    path.write_text(json.dumps(deep))
    install_overrides(tmp_path)
    assert json.loads(path.read_text())["k"] == deep["k"]


#: Run first in the CLI's process: every write under the prefix fails as in a folder of another
#: user (the tests may run as root, whom file permissions do not stop).
READ_ONLY = """
import errno, os, sys
PREFIX = os.path.realpath(sys.argv[1])
real_open, real_mkdir = os.open, os.mkdir
def inside(path):
    return os.path.realpath(path).startswith(PREFIX)
def read_only_open(path, flags, *args, **kwargs):
    if inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))
    return real_open(path, flags, *args, **kwargs)
def read_only_mkdir(path, *args, **kwargs):
    if inside(path):
        if os.path.exists(path):
            raise FileExistsError(errno.EEXIST, "File exists", str(path))
        raise PermissionError(errno.EACCES, "Permission denied", str(path))
    return real_mkdir(path, *args, **kwargs)
os.open, os.mkdir = read_only_open, read_only_mkdir
"""


def test_a_read_only_prefix_whose_file_is_already_right_needs_no_lock(tmp_path):
    path = install_overrides(tmp_path)
    before = path.read_bytes()
    path.with_name("overrides.json.lock").unlink()
    done = _cli(tmp_path, preamble=READ_ONLY)
    assert done.returncode == 0, done.stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["overrides.json"]


def test_a_read_only_prefix_that_needs_a_write_is_one_line(tmp_path):
    path = _overrides(tmp_path)
    path.write_text(json.dumps(USER))
    done = _cli(tmp_path, preamble=READ_ONLY)
    _one_line_refusal(done, "Permission denied")
    assert json.loads(path.read_text()) == USER


def test_a_read_only_file_is_refused_not_rewritten(tmp_path):
    path = _overrides(tmp_path)
    original = json.dumps(USER).encode()
    path.write_bytes(original)
    path.chmod(0o444)
    _one_line_refusal(_cli(tmp_path), str(path), "read-only (mode 0444)", "chmod u+w")
    assert path.read_bytes() == original
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert _leftovers(path.parent) == []
    # Already holding every key, the same protected file is fine: nothing to write.
    path.chmod(0o644)
    install_overrides(tmp_path)
    path.chmod(0o444)
    before = path.read_bytes()
    assert _cli(tmp_path).returncode == 0
    assert path.read_bytes() == before
