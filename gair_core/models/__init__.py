"""GAIR's torch modules."""

from .gair import GAIR, QUERY_MODES

__all__ = ["GAIR", "QUERY_MODES"]
