r"""What the trained model learned: how its categories line up with the digits' labels."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_float_array, check_n

__all__ = ["cluster_purity", "confusion_matrix"]


def confusion_matrix(
    assigned: ArrayLike, labels: ArrayLike, d: int, n_labels: int = 10
) -> np.ndarray:
    r"""Counts :math:`C_{ij}` = number of images put in category ``i`` that carry label ``j``.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1], [3, 3, 5], d=2, n_labels=6)[:, 3:]
    array([[2, 0, 0],
           [0, 0, 1]])
    """
    a, y = _int_array(assigned, "assigned"), _int_array(labels, "labels")
    d = check_n(d, "d", what="the number of categories")
    n_labels = check_n(n_labels, "n_labels", what="the number of labels")
    if a.shape != y.shape or a.ndim != 1:
        raise ValueError(
            f"assigned and labels must be 1-d int arrays of the same length; "
            f"got shapes {a.shape} and {y.shape}"
        )
    if a.size and (a.min() < 0 or a.max() >= d or y.min() < 0 or y.max() >= n_labels):
        raise ValueError(f"assigned must lie in 0..{d - 1} and labels in 0..{n_labels - 1}")
    out = np.zeros((d, n_labels), dtype=np.int64)
    np.add.at(out, (a, y), 1)
    return out


def _int_array(value: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name} must be a rectangular array of ints ({err})") from None
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an array of ints; got dtype {arr.dtype}")
    return arr


def cluster_purity(confusion: ArrayLike) -> float:
    r"""Purity of a clustering: each category is given its most frequent label.

    .. math:: \text{purity} = \frac{1}{N}\sum_i \max_j C_{ij}.

    Examples
    --------
    >>> cluster_purity([[8, 2], [1, 9]])
    0.85
    """
    c = as_float_array(confusion, "confusion")
    if c.ndim != 2 or c.sum() <= 0 or (c < 0).any():
        raise ValueError("confusion must be a 2-d array of counts with a positive total")
    return float(c.max(axis=1).sum() / c.sum())
