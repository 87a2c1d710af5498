"""Benchmark tasks: each module has `NAME` and `load(max_samples, shared) -> Task`
(raising `SkipTask` with the reason when its data is not available here)."""

from __future__ import annotations

from . import climate, landcover, perception, population, rs_landcover, species, wealth

MODULES = {m.NAME: m for m in (wealth, population, landcover, climate, species, perception, rs_landcover)}
LOCATION_TASKS = ("wealth", "population", "landcover", "climate", "species")
