"""A logger with Stable-Baselines3's interface: record(key, value), record_mean,
dump(step), get_dir(), close(); outputs "stdout", "csv" (progress.csv), "json"
(progress.json, one object per dump) and "tensorboard" (event files, when the
tensorboard package is installed).

    agent.set_logger(coagent.logger.configure("runs/a", ["stdout", "csv", "tensorboard"]))

Agent.learn records, at every log_interval-th finished episode (and at the end), SB3's
keys time/total_timesteps, time/fps, time/episodes, time/time_elapsed,
rollout/ep_rew_mean, rollout/ep_len_mean (the last 100 episodes), and the keys of
`coagent train --metrics`'s "layers" line per layer: train/layer<l>/mean_abs_td,
action_coef_mean, action_coef_std, weight_norm, exploration_scale, updates. SB3's
callbacks record their own (eval/mean_reward, ...). A logger of SB3's own
(stable_baselines3.common.logger.configure) works as well.
"""
from __future__ import annotations

import csv
import json
import math
import os
import sys
import time
from collections import defaultdict
from typing import Any, Optional, Sequence

FORMATS = ("stdout", "csv", "json", "tensorboard")


class _Stdout:
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def write(self, values: dict, step: int) -> None:
        if not values:
            return
        width = max(len(k) for k in values)
        lines = [f"| {k:<{width}} | {_text(v):>12} |" for k, v in sorted(values.items())]
        rule = "-" * max(len(line) for line in lines)
        self.stream.write("\n".join([rule, *lines, rule]) + "\n")
        self.stream.flush()

    def close(self) -> None:
        pass


class _Csv:
    """progress.csv; a key first seen later adds a column (the file is rewritten)."""

    def __init__(self, path: str):
        self.path, self.keys, self.rows = path, [], []

    def write(self, values: dict, step: int) -> None:
        new = [k for k in values if k not in self.keys]
        self.keys += sorted(new)
        self.rows.append({k: _plain(v) for k, v in values.items()})
        mode = "w" if new or len(self.rows) == 1 else "a"
        with open(self.path, mode, newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.keys)
            if mode == "w":
                w.writeheader()
                w.writerows(self.rows)
            else:
                w.writerow(self.rows[-1])

    def close(self) -> None:
        pass


class _Json:
    def __init__(self, path: str):
        self.file = open(path, "a")

    def write(self, values: dict, step: int) -> None:
        self.file.write(json.dumps({k: _plain(v) for k, v in values.items()}) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


class _TensorBoard:
    def __init__(self, folder: str):
        try:
            from tensorboard.compat.proto.event_pb2 import Event
            from tensorboard.compat.proto.summary_pb2 import Summary
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError:
            raise ImportError("the tensorboard output needs the tensorboard package: "
                              "pip install 'coagent[tensorboard]'") from None
        self._event, self._summary = Event, Summary
        self.writer = EventFileWriter(folder)

    def write(self, values: dict, step: int) -> None:
        scalars = [self._summary.Value(tag=k, simple_value=float(v)) for k, v in values.items()
                   if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if scalars:
            self.writer.add_event(self._event(wall_time=time.time(), step=int(step),
                                              summary=self._summary(value=scalars)))
            self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def _plain(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v if isinstance(v, (int, float, str, bool)) or v is None else str(v)


def _text(v: Any) -> str:
    v = _plain(v)
    return f"{v:.4g}" if isinstance(v, float) else str(v)


class Logger:
    """SB3's Logger interface over coagent's output formats."""

    def __init__(self, folder: Optional[str], output_formats: Sequence):
        self.dir = folder
        self.output_formats = list(output_formats)
        self.name_to_value: dict = {}
        self._means = defaultdict(list)
        self.level = 20

    def record(self, key: str, value: Any, exclude=None) -> None:
        self.name_to_value[key] = value

    def record_mean(self, key: str, value: Any, exclude=None) -> None:
        if value is not None:
            self._means[key].append(float(value))
            self.name_to_value[key] = sum(self._means[key]) / len(self._means[key])

    def dump(self, step: int = 0) -> None:
        for out in self.output_formats:
            out.write(dict(self.name_to_value), step)
        self.name_to_value.clear()
        self._means.clear()

    def log(self, *args, level: int = 20) -> None:
        if level >= self.level and any(isinstance(o, _Stdout) for o in self.output_formats):
            print(*args)

    def set_level(self, level: int) -> None:
        self.level = level

    def get_dir(self) -> Optional[str]:
        return self.dir

    def close(self) -> None:
        for out in self.output_formats:
            out.close()


def configure(folder: Optional[str] = None, format_strings: Optional[Sequence[str]] = None) -> Logger:
    """A Logger writing `format_strings` (default stdout, csv) into `folder`."""
    format_strings = list(format_strings if format_strings is not None else ["stdout", "csv"])
    bad = [f for f in format_strings if f and f not in FORMATS]
    if bad:
        raise ValueError(f"unknown logger format {bad[0]!r}; known: {', '.join(FORMATS)}")
    needs_dir = [f for f in format_strings if f in ("csv", "json", "tensorboard")]
    if needs_dir:
        if folder is None:
            raise ValueError(f"logger formats {needs_dir} need a folder")
        os.makedirs(folder, exist_ok=True)
    outs = []
    for f in format_strings:
        if f == "stdout":
            outs.append(_Stdout())
        elif f == "csv":
            outs.append(_Csv(os.path.join(folder, "progress.csv")))
        elif f == "json":
            outs.append(_Json(os.path.join(folder, "progress.json")))
        elif f == "tensorboard":
            outs.append(_TensorBoard(folder))
    return Logger(folder, outs)


def next_run_dir(log_dir: str, name: str, reset: bool) -> str:
    """SB3's numbering: log_dir/name_<k>, k one past the latest (the latest itself when
    continuing a run with reset_num_timesteps=False)."""
    latest = 0
    if os.path.isdir(log_dir):
        for entry in os.listdir(log_dir):
            stem, _, k = entry.rpartition("_")
            if stem == name and k.isdigit():
                latest = max(latest, int(k))
    run = latest if (not reset and latest > 0) else latest + 1
    return os.path.join(log_dir, f"{name}_{run}")
