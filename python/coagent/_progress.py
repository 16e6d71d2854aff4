"""A one-line progress bar on stderr for Agent.learn(progress_bar=True)."""
from __future__ import annotations

import sys


class ProgressBar:
    def __init__(self, start: int, total: int, stream=None, width: int = 30):
        self._start, self._total, self._width = start, total, width
        self._stream = stream if stream is not None else sys.stderr
        self._shown = False

    def update(self, step: int, steps_per_second: float, recent_return) -> None:
        done = max(0, step - self._start)
        frac = min(1.0, done / self._total) if self._total > 0 else 1.0
        filled = int(round(frac * self._width))
        ret = "" if recent_return is None else f"  return {recent_return:.1f}"
        self._stream.write(f"\r[{'#' * filled}{'.' * (self._width - filled)}] {done}/{self._total} steps"
                           f"  {steps_per_second:.0f} steps/s{ret}")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()
