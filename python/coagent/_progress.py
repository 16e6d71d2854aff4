"""A progress bar on stderr for Agent.learn(progress_bar=True): one line redrawn in
place on a terminal; otherwise (a log, a pipe) a line per tenth of the run, as the CLI's."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, start: int, total: int, stream=None, width: int = 30):
        self._start, self._total, self._width = start, total, width
        self._stream = stream if stream is not None else sys.stderr
        isatty = getattr(self._stream, "isatty", None)
        self._tty = bool(isatty and isatty())
        self._shown = False
        self._tenth = -1
        self._drawn = 0.0

    def update(self, step: int, steps_per_second: float, recent_return, final: bool = False) -> None:
        done = max(0, step - self._start)
        frac = min(1.0, done / self._total) if self._total > 0 else 1.0
        if self._tty:  # redrawn at most 10 times a second
            now = time.monotonic()
            if not final and now - self._drawn < 0.1:
                return
            self._drawn = now
        else:
            tenth = int(frac * 10)
            if tenth == self._tenth:
                return
            self._tenth = tenth
        filled = int(round(frac * self._width))
        ret = "" if recent_return is None else f"  return {recent_return:.1f}"
        line = (f"[{'#' * filled}{'.' * (self._width - filled)}] {done}/{self._total} steps"
                f"  {steps_per_second:.0f} steps/s{ret}")
        self._stream.write(f"\r{line}" if self._tty else f"{line}\n")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown and self._tty:
            self._stream.write("\n")
            self._stream.flush()
