"""Training data: manifests, their validation, the Global Streetscapes importer, the dataset."""

from .dataset import EpochBatchSampler, PairDataset, collate
from .manifest import ManifestRow, Problem, read_manifest, validate_manifest, write_manifest

__all__ = [
    "EpochBatchSampler",
    "ManifestRow",
    "PairDataset",
    "Problem",
    "collate",
    "read_manifest",
    "validate_manifest",
    "write_manifest",
]
