"""gair_core: the GAIR model in torch + timm (training, fine-tuning, export, checkpoints)."""
