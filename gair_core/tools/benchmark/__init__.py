"""Downstream benchmarks of frozen encoders: `python -m gair_core.tools.benchmark`.

Protocol (the same for every encoder of a task):
- a task gives inputs (locations, or photos with locations) and labels from real data
  that is available offline (PyPI data packages, or `../shared/data` for evaluation-only
  sets); each task draws a fixed, seeded subsample so that a run fits a 2-core machine;
- splits are spatially blocked (`splits.blocked_split`): the world is cut into a lon/lat
  grid of `block_deg` degrees, whole blocks go to test (20 %), val (10 %) or train (70 %),
  so no test point has a training neighbour in its own block; seed `s` shuffles the
  blocks with `numpy.random.default_rng(s)`;
- the encoder is frozen; features are standardised on train; a head (linear, or an MLP
  with one hidden layer of 128 units) is trained with full-batch Adam and early-stopped on
  val; the metric is measured once on test;
- every number is the mean and standard deviation over seeds 0, 1, 2 (split and head
  initialisation both change with the seed).
"""
