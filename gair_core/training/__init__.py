"""Training machinery behind `python -m gair_core.train` and `python -m gair_core.finetune`."""
