"""Box spaces: gymnasium.spaces.Box when gymnasium is importable, else BuiltinBox, a small
class of our own with the same attributes (low, high, shape, dtype, sample, contains, seed).
BuiltinBox is always defined, so that the tests check it where gymnasium is installed too."""
from __future__ import annotations

import numpy as np


class BuiltinBox:
    """A box in R^n, as gymnasium.spaces.Box: low <= x <= high, elementwise."""

    def __init__(self, low, high, shape=None, dtype=np.float32, seed=None):
        self.dtype = np.dtype(dtype)
        if shape is None:
            shape = np.shape(low) if np.ndim(low) > 0 else np.shape(high)
        self.shape = tuple(int(d) for d in shape)
        self.low = np.broadcast_to(np.asarray(low, dtype=self.dtype), self.shape).copy()
        self.high = np.broadcast_to(np.asarray(high, dtype=self.dtype), self.shape).copy()
        if np.any(self.low > self.high):
            raise ValueError(f"Box: low {self.low} exceeds high {self.high}")
        self._np_random = np.random.default_rng(seed)

    def seed(self, seed=None):
        self._np_random = np.random.default_rng(seed)
        return [seed]

    def sample(self):
        return self._np_random.uniform(self.low, self.high).astype(self.dtype)

    def contains(self, x) -> bool:
        x = np.asarray(x)
        return bool(np.can_cast(x.dtype, self.dtype) and x.shape == self.shape
                    and np.all(x >= self.low) and np.all(x <= self.high))

    __contains__ = contains

    def __repr__(self):
        return f"Box({self.low}, {self.high}, {self.shape}, {self.dtype})"

    def __eq__(self, other):
        return (isinstance(other, BuiltinBox) and self.shape == other.shape and self.dtype == other.dtype
                and np.array_equal(self.low, other.low) and np.array_equal(self.high, other.high))


try:
    from gymnasium.spaces import Box  # noqa: F401  (re-exported)
except ImportError:  # pragma: no cover - exercised where gymnasium is missing
    Box = BuiltinBox  # type: ignore[misc,assignment]
