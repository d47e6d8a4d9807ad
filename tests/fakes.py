"""Stand-ins shared by the tests."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np


class BagEmbedder:
    """A cheap deterministic embedder (hashed bag of words) for tests of the machinery."""

    name = "bag"
    dim = 64

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, zlib.crc32(word.encode()) % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out
