"""gumbel_lib.data: the shipped UCI digits file, its checksum, citation and loader."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest

from gumbel_lib import data
from gumbel_lib.data import DIGITS_SHA256, binarize, digits_path, load_digits, tile_images
from tests.support.project import ROOT

#: Images per digit 0..9 in the UCI test split (optdigits.tes, the file scikit-learn ships).
CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_shipped_file_checksum_and_size():
    raw = digits_path().read_bytes()
    assert hashlib.sha256(raw).hexdigest() == DIGITS_SHA256
    # the checksum of scikit-learn 1.9.1's sklearn/datasets/data/digits.csv.gz, written out
    # here a second time so that changing the constant alone does not pass
    assert DIGITS_SHA256 == "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
    assert len(raw) <= 100_000


def test_shape_range_and_labels():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype.kind == "i"
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, np.round(X * 16))  # the 17 grey levels 0..16
    assert np.bincount(y).tolist() == CLASS_COUNTS
    # the border columns of these centred digits are almost always empty
    assert X.reshape(-1, 8, 8)[:, :, 0].mean() < 0.01


def test_loader_reads_the_file_as_it_is():
    rows = gzip.decompress(digits_path().read_bytes()).decode().splitlines()
    first = [int(v) for v in rows[0].split(",")]
    X, y = load_digits()
    assert len(rows) == 1797 and len(first) == 65
    np.testing.assert_array_equal(X[0] * 16, first[:64])
    assert y[0] == first[64] == 0


def test_a_damaged_copy_is_rejected(tmp_path):
    raw = bytearray(digits_path().read_bytes())
    raw[-5] ^= 0xFF
    bad = tmp_path / "digits.csv.gz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="path .* is not the shipped digits file"):
        load_digits(bad)
    good = tmp_path / "copy.csv.gz"
    good.write_bytes(digits_path().read_bytes())
    np.testing.assert_array_equal(load_digits(good)[1], load_digits()[1])


def test_citation_licence_and_packaging():
    readme = (digits_path().parent / "README.md").read_text()
    for words in ["10.24432/C50P49", "CC BY 4.0", "Alpaydin", "Kaynak", "test split"]:
        assert words in readme
    assert DIGITS_SHA256 in readme
    assert "10.24432/C50P49" in data.DIGITS_CITATION and "CC BY 4.0" in data.DIGITS_CITATION
    # the data file is installed with the package (tomllib needs Python 3.11: read the text)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "[tool.setuptools.package-data]\n" in pyproject
    assert 'gumbel_lib = ["_data/*"]' in pyproject.split("[tool.setuptools.package-data]")[1]
    assert "alpaydin" in (ROOT / "README.md").read_text().lower()


def test_binarize():
    X, _ = load_digits()
    b = binarize(X)
    assert set(np.unique(b)) == {0.0, 1.0}
    np.testing.assert_array_equal(b, X * 16 >= 9)  # > 0.5 means 9..16 of 16
    with pytest.raises(ValueError, match="threshold must be in"):
        binarize(X, threshold=1.5)
    with pytest.raises(ValueError, match="X must be"):
        binarize([[np.nan]])


def test_tile_images():
    imgs = np.arange(3 * 64, dtype=float).reshape(3, 64)
    grid = tile_images(imgs, ncols=2)
    assert grid.shape == (17, 17)
    np.testing.assert_array_equal(grid[:8, 9:], imgs[1].reshape(8, 8))
    assert np.isnan(grid[9:, 9:]).all() and np.isnan(grid[8]).all()
    with pytest.raises(ValueError, match="images must have shape"):
        tile_images(np.ones((2, 10)), ncols=2)
    with pytest.raises(ValueError, match="ncols must be"):
        tile_images(imgs, ncols=0)


@pytest.mark.parametrize(
    ("threshold", "error"),
    [
        (None, TypeError),
        (np.array([0.2, 0.8]), TypeError),  # an array: was a raw TypeError from float()
        ("0.5", TypeError),  # a string is not a number: was accepted as 0.5
        (False, TypeError),  # a bool is not a number: was accepted as 0.0
        (np.nan, ValueError),
        (-0.1, ValueError),
        (1.0, ValueError),
    ],
)
def test_binarize_threshold_follows_the_argument_rule(threshold, error):
    with pytest.raises(error, match="threshold must be"):
        binarize([[0.2, 0.9]], threshold)


@pytest.mark.parametrize("threshold", [0, 0.5, np.float32(0.5), np.float64(0.25), np.int64(0)])
def test_binarize_accepts_numpy_and_python_numbers(threshold):
    x = np.array([[0.0, 0.3, 0.6]])
    np.testing.assert_array_equal(binarize(x, threshold), x > float(threshold))


@pytest.mark.parametrize(
    ("kw", "error", "words"),
    [
        ({"pad": -1}, ValueError, "pad must be >= 0"),  # was: images drawn over each other
        ({"pad": 1.0}, TypeError, "pad must be an int"),
        ({"ncols": 2.0}, TypeError, "ncols must be an int"),  # was a ValueError
        ({"ncols": True}, TypeError, "ncols must be an int"),
        ({"side": 0}, ValueError, "side must be >= 1"),
        ({"side": "8"}, TypeError, "side must be an int"),
        ({"images": np.ones((0, 64))}, ValueError, "images must have shape"),
        ({"images": [[True] * 64]}, TypeError, "images must hold real numbers"),
    ],
)
def test_tile_images_arguments(kw, error, words):
    args = {"images": np.ones((3, 64)), "ncols": 2, **kw}
    with pytest.raises(error, match=words):
        tile_images(**args)


def test_tiles_never_overlap():
    imgs = np.arange(4 * 4, dtype=float).reshape(4, 4)  # four 2×2 images, all values distinct
    for pad in (0, 1, 3):
        grid = tile_images(imgs, ncols=2, side=2, pad=np.int64(pad))
        shown = grid[~np.isnan(grid)]
        assert sorted(shown) == sorted(imgs.ravel())  # every pixel once, none overwritten


def test_load_digits_names_a_bad_path():
    with pytest.raises(TypeError, match="path must be a str or a pathlib.Path"):
        load_digits(3)
