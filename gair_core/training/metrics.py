"""Per-step metrics: OUTPUT/metrics.csv (one row per step, a `step` column) and TensorBoard."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

METRICS_FILE = "metrics.csv"


def truncate_after(path: Path, step: int) -> None:
    """Drop rows with step > `step` (written after the checkpoint a run resumes from)."""
    if not path.is_file():
        return
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
        columns = rows[0].keys() if rows else None
    kept = [r for r in rows if int(r["step"]) <= step]
    if columns is None:
        return
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(kept)


class MetricsLogger:
    """Appends one CSV row per step and mirrors the scalars to TensorBoard when installed."""

    def __init__(
        self, output_dir: Path, columns: list[str], resume_step: Optional[int] = None, tensorboard: bool = True
    ) -> None:
        self.path = output_dir / METRICS_FILE
        self.columns = ["step"] + [c for c in columns if c != "step"]
        if resume_step is not None:
            truncate_after(self.path, resume_step)
        elif self.path.exists():
            self.path.unlink()
        new = not self.path.exists()
        self._handle = open(self.path, "a", newline="")  # noqa: SIM115 (a logger: closed by close())
        self._writer = csv.DictWriter(self._handle, fieldnames=self.columns, extrasaction="ignore")
        if new:
            self._writer.writeheader()
        self._tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._tb = SummaryWriter(
                    str(output_dir / "tensorboard"), purge_step=None if resume_step is None else resume_step + 1
                )
            except ImportError:
                self._tb = None

    def log(self, step: int, values: dict[str, float]) -> None:
        self._writer.writerow({"step": step, **values})
        self._handle.flush()
        if self._tb is not None:
            for name, value in values.items():
                if isinstance(value, (int, float)):
                    self._tb.add_scalar(f"train/{name}", value, step)

    def close(self) -> None:
        self._handle.close()
        if self._tb is not None:
            self._tb.close()
