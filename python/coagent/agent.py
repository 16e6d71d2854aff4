"""coagent.Agent: train, predict, evaluate, save and load, as Stable-Baselines3 does.

    agent = coagent.Agent(env, algo="local", preset=None, seed=0, **settings)

`env` is a built-in id ("mountaincar", "Pendulum-v1", ...: the C++ environment runs with
no Python in the loop), any object with Gymnasium's reset/step API and Box spaces
(duck-typed: gymnasium itself is not needed), or a callable returning a new one (needed
for envs=N > 1). Settings are the settings-table keys (`coagent train --help`) with `_`
for `-`; DDPG's are `ddpg_<key>`, ARS's (algo="ars", Augmented Random Search) `ars_<key>`.
Unknown keys and bad values raise ValueError.

A Python environment is stepped on the runtime's environment task with the GIL held,
one call at a time, while the neurons train on the other threads with the GIL
released. It receives the actor's action as a float64 array of action_space.shape.
"""
from __future__ import annotations

import math
import os
import time
from collections import deque
from typing import Any, Callable, Optional

import numpy as np

from . import _coagent
from ._progress import ProgressBar
from .envs import CoagentEnv, builtin_name

ALGOS = ("local", "ddpg", "ars")
_TABLE = {s["key"]: s for s in _coagent.settings_table()}
# The algorithm-specific tables, by the prefix of their keys.
_ALGO_TABLES = {"ddpg": {s["key"]: s for s in _coagent.ddpg_settings_table()},
                "ars": {s["key"]: s for s in _coagent.ars_settings_table()}}
# The local-rule keys ARS uses besides the shared ones (rollout worker threads).
_ARS_EXTRA = ("threads",)


def _setting_text(key: str, value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return ",".join(_setting_text(key, v) for v in value)
    raise ValueError(f"setting {key}: {value!r} ({type(value).__name__}) is not a number, "
                     "bool, string or list")


def _flags(algo: str, seed: int, settings: dict):
    if not isinstance(algo, str) or algo not in ALGOS:
        raise ValueError(f"algo {algo!r} is not one of {', '.join(ALGOS)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    flags = {"algo": algo, "seed": str(int(seed))}
    algo_flags = {prefix: {} for prefix in _ALGO_TABLES}
    for name, value in settings.items():
        prefix = name.partition("_")[0]
        if prefix in _ALGO_TABLES and name != prefix:
            table = _ALGO_TABLES[prefix]
            key = name[len(prefix) + 1:].replace("_", "-")
            if key not in table:
                raise ValueError(f"unknown setting {name!r}; {prefix.upper()}'s are "
                                 + ", ".join(f"{prefix}_" + k.replace("-", "_") for k in table))
            if algo != prefix:
                raise ValueError(f"setting {name!r} needs algo='{prefix}'")
            algo_flags[prefix][key] = _setting_text(name, value)
            continue
        key = name.replace("_", "-")
        if key not in _TABLE:
            raise ValueError(f"unknown setting {name!r}; known: "
                             + ", ".join(k.replace("-", "_") for k in _TABLE))
        uses = _TABLE[key]["shared"] or (algo == "ars" and key in _ARS_EXTRA)
        if algo != "local" and not uses:
            raise ValueError(f"setting {name!r} applies to the local rules, not to algo='{algo}' "
                             f"(use the {algo}_* settings)")
        flags[key] = _setting_text(name, value)
    return flags, algo_flags["ddpg"], algo_flags["ars"]


def _is_env_object(x) -> bool:
    return hasattr(x, "reset") and hasattr(x, "step")


def _env_name(env) -> str:
    spec = getattr(env, "spec", None)
    name = getattr(spec, "id", None) if spec is not None else None
    if not isinstance(name, str) or not name.strip():
        name = type(env).__name__
    return " ".join(name.split())


class _EnvSource:
    """Where the learner's environments come from, and the action space predict returns."""

    def __init__(self, env, envs_in_flight: int, needs_many: Optional[str] = None):
        self.make: Optional[Callable] = None
        self.single = False  # one environment object: make() returns it every time
        if isinstance(env, str):
            self.name = builtin_name(env)
            probe = CoagentEnv(self.name)
        elif type(env) is CoagentEnv:  # a bare built-in: no Python in the loop
            self.name = env.name
            probe = env
        elif _is_env_object(env):
            if envs_in_flight > 1 or needs_many:
                raise ValueError(f"{needs_many or f'envs={envs_in_flight}'} needs a callable that "
                                 "makes an environment (each environment in flight is its own "
                                 "object), not one object")
            probe = env
            self.name = _env_name(env)
            self.make = lambda: env
            self.single = True
        elif callable(env):
            probe = env()
            if not _is_env_object(probe):
                raise TypeError(f"the environment factory returned {type(probe).__name__}, "
                                "which has no reset/step")
            self.name = _env_name(probe)
            first = [probe]
            self.make = lambda: first.pop() if first else env()
        else:
            raise TypeError(f"env must be an environment id, an object with Gymnasium's reset/step "
                            f"API, or a callable making one; got {type(env).__name__}")
        space = getattr(probe, "action_space", None)
        if space is None or not hasattr(space, "shape"):
            raise ValueError("the environment has no action_space with a shape (a Box is needed)")
        self.action_shape = tuple(space.shape)
        self.action_dtype = np.dtype(getattr(space, "dtype", np.float64) or np.float64)


class Agent:
    """A network whose every neuron learns by a local rule (algo="local"), or DDPG, or ARS."""

    def __init__(self, env, algo: str = "local", preset: Optional[str] = None, seed: int = 0,
                 **settings):
        if preset is not None and not isinstance(preset, str):
            raise TypeError(f"preset must be a string, got {type(preset).__name__}")
        flags, ddpg, ars = _flags(algo, seed, settings)
        envs = int(flags.get("envs", "1")) if flags.get("envs", "1").isdigit() else 1
        # ARS runs each of an iteration's rollouts on its own environment.
        self._source = _EnvSource(env, envs, "algo='ars'" if algo == "ars" else None)
        flags["env"] = self._source.name
        self._learner = _coagent.Learner.create(preset or "", flags, ddpg, ars, self._source.make)
        self._window = deque(maxlen=100)

    @classmethod
    def _wrap(cls, learner, source) -> "Agent":
        agent = cls.__new__(cls)
        agent._learner, agent._source, agent._window = learner, source, deque(maxlen=100)
        return agent

    # --- training ---------------------------------------------------------------------
    def learn(self, total_timesteps: Optional[int] = None, callback: Optional[Callable] = None,
              progress_bar: bool = False, log_interval: int = 1000) -> "Agent":
        """Trains `total_timesteps` more environment steps (default: the `steps` setting).

        `callback(info)` runs every `log_interval` steps (lockstep; about 4 times a second
        in async mode) and at the end, with SB3-like keys: time/total_timesteps, time/fps,
        time/episodes, time/time_elapsed, rollout/ep_rew_mean and rollout/ep_len_mean (the
        last 100 episodes), and coagent's own: train/recent_return, train/new_episodes
        (each finished episode since the last call), train/layers (per-layer statistics:
        mean_abs_td, weight_norm, exploration_scale, ...). Returning False stops training.
        Ctrl-C stops at the next step boundary and raises KeyboardInterrupt with the agent
        intact; an exception from the environment or the callback propagates.
        """
        n = int(self.settings.get("steps", 0)) if total_timesteps is None else total_timesteps
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"total_timesteps must be a positive int, got {total_timesteps!r}")
        if isinstance(log_interval, bool) or not isinstance(log_interval, int) or log_interval < 1:
            raise ValueError(f"log_interval must be a positive int, got {log_interval!r}")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        bar = ProgressBar(self.num_timesteps, int(n)) if progress_bar else None
        t0 = time.monotonic()

        def hook(raw):
            for e in raw["new_episodes"]:
                self._window.append((e["return"], e["length"]))
            if bar is not None:
                bar.update(raw["step"], raw["steps_per_second"], raw["recent_return"])
            if callback is None:
                return True
            info = {"time/total_timesteps": raw["step"], "time/fps": raw["steps_per_second"],
                    "time/episodes": raw["episodes"], "time/time_elapsed": time.monotonic() - t0,
                    "train/recent_return": raw["recent_return"],
                    "train/new_episodes": raw["new_episodes"], "train/layers": raw["layers"]}
            if self._window:
                info["rollout/ep_rew_mean"] = float(np.mean([r for r, _ in self._window]))
                info["rollout/ep_len_mean"] = float(np.mean([n for _, n in self._window]))
            return callback(info) is not False

        try:
            self._learner.learn(int(n), hook, log_interval)
        finally:
            if bar is not None:
                bar.close()
        return self

    # --- using the policy -------------------------------------------------------------
    def predict(self, observation, state=None, episode_start=None, deterministic: bool = True):
        """(action, None) for an observation, or a batch of them, as SB3's predict.

        The greedy action (every neuron emits its mean); deterministic=False is refused:
        exploration noise lives in the neurons while they learn.
        """
        if not deterministic:
            raise ValueError("predict(deterministic=False) is not supported: coagent's exploration "
                             "noise belongs to learning; the policy's action is its greedy one")
        n_in = self._learner.shape[0]
        try:
            obs = np.asarray(observation, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"observation must be numeric, got {observation!r}") from None
        # One observation (any shape with n_in values, except a leading batch axis of 1)
        # or a batch of them along the first axis.
        single = obs.ndim <= 1 or (obs.size == n_in and obs.shape[0] != 1)
        rows = 1 if single else obs.shape[0]
        if obs.size != rows * n_in:
            raise ValueError(f"observation must have {n_in} values (or be a batch of them), got shape {obs.shape}")
        actions = self._learner.predict(obs.reshape(rows, n_in))
        shape = self._source.action_shape if single else (rows,) + self._source.action_shape
        return actions.reshape(shape).astype(self._source.action_dtype), None

    def evaluate(self, n_episodes: int = 100, seed: Optional[int] = None) -> dict:
        """Greedy evaluation on a fresh environment: the keys of `coagent eval --json`."""
        if isinstance(n_episodes, bool) or not isinstance(n_episodes, (int, np.integer)):
            raise ValueError(f"n_episodes must be an int, got {n_episodes!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        return self._learner.evaluate(int(n_episodes), None if seed is None else int(seed))

    # --- checkpoints ------------------------------------------------------------------
    def save(self, path) -> None:
        """Writes the whole run to `path` atomically, in the CLI's checkpoint format."""
        path = os.fspath(path)
        parent = os.path.dirname(path) or "."
        if os.path.isdir(path):
            raise IsADirectoryError(f"cannot save to {path!r}: it is a directory")
        if not os.path.isdir(parent):
            raise FileNotFoundError(f"cannot save to {path!r}: directory {parent!r} does not exist")
        self._learner.save(path)

    @classmethod
    def load(cls, path, env=None) -> "Agent":
        """The agent saved at `path` (by Agent.save or `coagent train --save`).

        `env`: as for Agent(); None loads the built-in environment the checkpoint names.
        """
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no checkpoint at {path!r}")
        if env is None:
            try:
                learner = _coagent.Learner.load(path, None, "")
            except RuntimeError as e:
                if "unknown environment" not in str(e):
                    raise
                raise ValueError(f"{e}: the checkpoint was trained on a Python environment; "
                                 "pass env= to Agent.load") from None
            return cls._wrap(learner, _EnvSource(learner.env, 1))
        source = _EnvSource(env, 1)
        learner = _coagent.Learner.load(path, source.make, source.name)
        if source.single and learner.algo == "ars":
            raise ValueError("algo='ars' needs a callable that makes an environment (each rollout "
                             "runs on its own object), not one object")
        return cls._wrap(learner, source)

    # --- facts ------------------------------------------------------------------------
    @property
    def digest(self) -> str:
        """SHA-256 of the learned and resumable state (as `coagent inspect` prints)."""
        return self._learner.digest

    @property
    def num_timesteps(self) -> int:
        return self._learner.num_timesteps

    @property
    def episodes(self) -> int:
        return self._learner.episodes

    @property
    def algo(self) -> str:
        return self._learner.algo

    @property
    def env_name(self) -> str:
        return self._learner.env

    @property
    def shape(self) -> list:
        """Widths of the actor, input to output."""
        return list(self._learner.shape)

    @property
    def settings(self) -> dict:
        """The run's settings as text values, keyed as the settings table (with '-')."""
        out = {}
        for line in self._learner.settings_text().splitlines():
            key, _, value = line.partition(" = ")
            out[key.strip()] = value.strip().strip('"')
        return out

    def __repr__(self):
        return (f"<coagent.Agent {self.algo} on {self.env_name}, network {'-'.join(map(str, self.shape))}, "
                f"{self.num_timesteps} steps>")
