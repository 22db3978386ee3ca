r"""The real data of notebook 07: 1797 UCI handwritten digits, 8×8 pixels, shipped with the package.

The file ``gumbel_lib/_data/digits.csv.gz`` is the test split of the UCI *Optical
Recognition of Handwritten Digits* data set (Alpaydin & Kaynak 1998, CC BY 4.0,
https://doi.org/10.24432/C50P49), byte-for-byte the copy inside the scikit-learn wheel;
``gumbel_lib/_data/README.md`` says how it was obtained. Its SHA-256 is checked on every
load, so a damaged or replaced file fails loudly instead of training on the wrong data.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_int, check_path, check_real

__all__ = [
    "DIGITS_CITATION",
    "DIGITS_SHA256",
    "binarize",
    "digits_path",
    "load_digits",
    "tile_images",
]

#: SHA-256 of the shipped ``digits.csv.gz`` (the file of scikit-learn 1.9.1's wheel).
DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"

#: How to credit the data (licence CC BY 4.0).
DIGITS_CITATION = (
    "Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits [Dataset]. "
    "UCI Machine Learning Repository. https://doi.org/10.24432/C50P49 (CC BY 4.0); "
    "the 1797-image test split, as shipped by scikit-learn."
)


def digits_path() -> Path:
    """The path of the shipped ``digits.csv.gz`` inside the installed package.

    Examples
    --------
    >>> digits_path().name
    'digits.csv.gz'
    """
    return Path(str(resources.files("gumbel_lib") / "_data" / "digits.csv.gz"))


def load_digits(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""The 1797 digits as ``(X, y)``: pixels scaled to :math:`[0, 1]` and labels 0..9.

    Each line of the file holds 64 integer pixels :math:`v \in \{0, \dots, 16\}` (an 8×8
    image, row by row) and a label; the pixels are returned as :math:`v / 16`.

    Parameters
    ----------
    path : str or Path, optional
        Another copy of the file to read; default :func:`digits_path`. Its SHA-256 must
        equal :data:`DIGITS_SHA256`.

    Returns
    -------
    X : numpy.ndarray of float64, shape (1797, 64)
        Pixel intensities in [0, 1]; ``X[i].reshape(8, 8)`` is image ``i``.
    y : numpy.ndarray of int64, shape (1797,)
        The digit shown, 0 to 9.

    Raises
    ------
    TypeError
        If ``path`` is not None, a str or a ``pathlib.Path``.
    ValueError
        If the file's checksum differs from :data:`DIGITS_SHA256`.

    Examples
    --------
    >>> X, y = load_digits()
    >>> X.shape, X.dtype, float(X.min()), float(X.max()), y[:10]
    ((1797, 64), dtype('float64'), 0.0, 1.0, array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
    """
    path = digits_path() if path is None else Path(check_path(path))
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DIGITS_SHA256:
        raise ValueError(
            f"path {str(path)!r} is not the shipped digits file: its SHA-256 is {digest}, "
            f"expected {DIGITS_SHA256}"
        )
    table = np.loadtxt(io.StringIO(gzip.decompress(raw).decode("ascii")), delimiter=",")
    X = table[:, :64] / 16.0
    y = table[:, 64].astype(np.int64)
    return X, y


def binarize(X: ArrayLike, threshold: float = 0.5) -> np.ndarray:
    r"""Black-and-white pixels: :math:`b = 1` where :math:`X > \text{threshold}`, else 0 (float64).

    The model of notebook 07 treats each pixel as a Bernoulli variable, so it needs 0/1
    pixels; a fixed threshold keeps the data set deterministic.

    Parameters
    ----------
    X : array_like of real numbers
        Pixel intensities, finite, at least one.
    threshold : float
        A real number in ``[0, 1)``; pixels strictly above it become 1.

    Raises
    ------
    TypeError
        If ``X`` does not hold real numbers, or ``threshold`` is not a real number (a str,
        a bool, None or an array).
    ValueError
        If ``X`` is empty or not finite, or ``threshold`` is outside ``[0, 1)``.

    Examples
    --------
    >>> binarize([[0.2, 0.5, 0.9]])
    array([[0., 0., 1.]])
    >>> binarize([[0.2, 0.5, 0.9]], threshold="0.5")
    Traceback (most recent call last):
    ...
    TypeError: threshold must be a real number; got the str '0.5' (convert it with float() first)
    """
    t = check_real(threshold, "threshold", low=0.0, high=1.0, high_open=True)
    x = as_float_array(X, "X")
    if x.size == 0:
        raise ValueError(f"X must be a non-empty array of finite numbers; got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("X must be a non-empty array of finite numbers; it holds NaN or inf")
    return (x > t).astype(np.float64)


def tile_images(images: ArrayLike, ncols: int, side: int = 8, pad: int = 1) -> np.ndarray:
    """Arrange ``n`` flat square images (shape ``(n, side**2)``) in a grid, for one ``imshow``.

    Rows are filled left to right; gaps and unused cells are NaN (shown blank).

    Parameters
    ----------
    images : array_like, shape (n, side**2)
        One flattened image per row, ``n >= 1``.
    ncols : int
        Images per row of the grid, at least 1.
    side : int
        Height and width of each image in pixels, at least 1.
    pad : int
        Blank pixels between neighbouring images, at least 0.

    Raises
    ------
    TypeError
        If ``ncols``, ``side`` or ``pad`` is not an int (``2.0`` and ``True`` are not), or
        ``images`` does not hold real numbers.
    ValueError
        If ``ncols`` or ``side`` is below 1, ``pad`` below 0, or ``images`` has another shape.

    Examples
    --------
    >>> tile_images(np.ones((3, 4)), ncols=2, side=2).shape  # 2 rows of 2 images, 1-pixel gaps
    (5, 5)
    """
    ncols = check_int(ncols, "ncols", low=1, what="images per row")
    side = check_int(side, "side", low=1, what="the height and width of an image in pixels")
    pad = check_int(pad, "pad", low=0, what="blank pixels between images")
    a = as_float_array(images, "images")
    if a.ndim != 2 or a.shape[1] != side * side or a.shape[0] == 0:
        raise ValueError(
            f"images must have shape (n, {side * side}) with n >= 1 (one flat {side}×{side} "
            f"image per row); got shape {a.shape}"
        )
    n = a.shape[0]
    nrows = -(-n // ncols)
    step = side + pad
    grid = np.full((nrows * step - pad, ncols * step - pad), np.nan)
    for i, img in enumerate(a):
        r, c = divmod(i, ncols)
        grid[r * step : r * step + side, c * step : c * step + side] = img.reshape(side, side)
    return grid
