"""Pure numpy helpers on embeddings: cosine, a 3-component PCA view, prediction heads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .runtime.errors import PackageError
from .runtime.package import CLASSIFICATION, HEAD_TASKS, HeadSpec, ModelPackage, apply_layers
from .translation import translate


def normalize(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise along the last axis (zero vectors stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norm = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norm > 0, norm, 1)


def cosine(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Cosine of each row of (N, D) `vectors` with a (D,) reference, float32."""
    return (normalize(vectors) @ normalize(reference)).astype(np.float32)


@dataclass(frozen=True)
class PCA:
    """Mean and the leading principal directions of a sample of embeddings."""

    mean: np.ndarray  # (D,)
    components: np.ndarray  # (k, D)

    @staticmethod
    def fit(sample: np.ndarray, k: int = 3) -> PCA:
        sample = np.asarray(sample, dtype=np.float64)
        mean = sample.mean(axis=0)
        _, _, vt = np.linalg.svd(sample - mean, full_matrices=False)
        components = np.zeros((k, sample.shape[1]))
        components[: min(k, len(vt))] = vt[:k]
        # a deterministic sign: the largest loading of each component is positive
        signs = np.sign(components[np.arange(k), np.abs(components).argmax(axis=1)])
        return PCA(mean, components * np.where(signs == 0, 1, signs)[:, None])

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        """(N, D) -> (N, k) float32 scores."""
        return ((np.asarray(vectors, dtype=np.float64) - self.mean) @ self.components.T).astype(np.float32)


# --- prediction heads --------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """A package head with its layers loaded."""

    spec: HeadSpec
    layers: list[tuple[np.ndarray, np.ndarray]]

    @property
    def is_classifier(self) -> bool:
        return self.spec.task == CLASSIFICATION

    def outputs(self) -> list[str]:
        """Names of the values `predict` returns per row (class probabilities or targets)."""
        if self.is_classifier:
            return list(self.spec.labels) or [f"class_{i}" for i in range(self.layers[-1][0].shape[0])]
        return list(self.spec.targets) or [f"value_{i}" for i in range(self.layers[-1][0].shape[0])]

    def predict(self, embeddings: np.ndarray) -> np.ndarray:
        """(N, D) embeddings -> (N, outputs): softmax probabilities or regression values."""
        return apply_layers(self.layers, embeddings, softmax=self.is_classifier)


def load_heads(package: ModelPackage, inputs: Sequence[str], name: Optional[str] = None) -> list[Head]:
    """The package's heads that take one of `inputs` ('rs_global', 'location', 'sv'),
    or only the head called `name` (PackageError when it is missing or takes another input)."""
    specs = package.heads
    if name:
        matches = [h for h in specs if h.name == name]
        if not matches:
            raise PackageError(
                translate("analysis", "model package {} has no head named {}; its heads are: {}").format(
                    package.name, repr(name), ", ".join(h.name for h in specs) or translate("analysis", "none")
                )
            )
        if matches[0].input not in inputs:
            raise PackageError(
                translate("analysis", "head {} takes {} embeddings; this algorithm applies heads on {}").format(
                    repr(name), repr(matches[0].input), ", ".join(inputs)
                )
            )
        specs = matches
    heads = []
    for spec in specs:
        if spec.input not in inputs:
            continue
        if spec.task not in HEAD_TASKS:
            raise PackageError(
                translate("analysis", "head {} has unknown task {}; expected classification or regression").format(
                    repr(spec.name), repr(spec.task)
                )
            )
        heads.append(Head(spec, package.head_layers(spec)))
    return heads
