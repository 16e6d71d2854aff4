"""coagent.Agent: train, predict, evaluate, save and load, as Stable-Baselines3 does.

    agent = coagent.Agent(env, algo="local", preset=None, seed=None, verbose=0,
                          tensorboard_log=None, **settings)

`env`: see coagent.sources (an id, a Gymnasium-API object, a vector env, or a factory).
Settings are the settings-table keys (`coagent train --help`) with `_` for `-`; DDPG's
are `ddpg_<key>`, ARS's (algo="ars", Augmented Random Search) `ars_<key>`. Unknown keys
and bad values raise ValueError. seed=None draws a seed (kept in agent.seed: the run
is reproducible from it).

A Python environment is stepped on the runtime's environment task with the GIL held,
one call at a time, while the neurons train on other threads with the GIL released.
It receives the actor's action in its action_space.dtype.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import deque
from typing import Any, Optional

import numpy as np

from . import _coagent
from ._progress import ProgressBar
from .callbacks import as_callback
from .logger import Logger, configure, next_run_dir
from .settings import ALGOS, check_seed, flags_of, positive_int
from .sources import EnvSource, is_vector_env

_LOG_CHUNK = 1000  # steps between step boundaries for the logger when no callback runs


class Agent:
    """A network whose every neuron learns by a local rule (algo="local"), or DDPG, or ARS."""

    def __init__(self, env, algo: str = "local", preset: Optional[str] = None, seed: Optional[int] = None,
                 verbose: int = 0, tensorboard_log: Optional[str] = None, **settings):
        if preset is not None and not isinstance(preset, str):
            raise TypeError(f"preset must be a string, got {type(preset).__name__}")
        seed = check_seed(seed)
        if seed is None:
            seed = int.from_bytes(os.urandom(4), "little")
        flags, ddpg, ars = flags_of(algo, seed, settings)
        envs = int(flags["envs"]) if flags.get("envs", "").isdigit() else None
        source = EnvSource(env, envs, "algo='ars'" if algo == "ars" else None)
        if source.n_envs is not None:
            flags["envs"] = str(source.n_envs)
        flags["env"] = source.name
        learner = _coagent.Learner.create(preset or "", flags, ddpg, ars, source.make)
        self._attach(learner, source, verbose, tensorboard_log)

    def _attach(self, learner, source: EnvSource, verbose: int = 0, tensorboard_log=None) -> None:
        self._learner, self._source = learner, source
        self.verbose, self.tensorboard_log = verbose, tensorboard_log
        self._budget = int(self.settings.get("steps", "0"))  # what learn() with no argument trains
        self._offset = 0                     # num_timesteps = steps_done - offset (SB3's reset)
        self._window = deque(maxlen=100)     # SB3's ep_info_buffer: (return, length)
        self._logger: Optional[Any] = None
        self._custom_logger = False
        self._episodes_logged = 0
        self._t0, self._n0, self._episodes_at_start = time.monotonic(), self.num_timesteps, self.episodes

    # --- training ---------------------------------------------------------------------
    def learn(self, total_timesteps: Optional[int] = None, callback=None, log_interval: Optional[int] = 4,
              tb_log_name: str = "coagent", reset_num_timesteps: bool = True,
              progress_bar: bool = False) -> "Agent":
        """Trains `total_timesteps` more environment steps (None: the `steps` setting).

        As SB3's learn: `callback` (see coagent.callbacks) runs after every step of the
        environments in flight; `log_interval` is in episodes between logger dumps;
        TensorBoard files go to tensorboard_log/<tb_log_name>_<k>; reset_num_timesteps
        restarts `num_timesteps` (and the episode window) at 0 — the learned state and
        its step counter (`steps_done`, what seeds the exploration noise) go on either
        way. Ctrl-C stops at the next step boundary and raises KeyboardInterrupt with
        the agent intact; an exception from the environment or a callback propagates.
        """
        n = self._budget if total_timesteps is None else total_timesteps
        n = positive_int("total_timesteps", n)
        log_interval = positive_int("log_interval", log_interval, allow_none=True)
        if not isinstance(tb_log_name, str) or not tb_log_name:
            raise ValueError(f"tb_log_name must be a non-empty string, got {tb_log_name!r}")
        cb = as_callback(callback)
        if reset_num_timesteps:
            self._offset = self._learner.steps_done
            self._window.clear()
            self._episodes_logged = 0
        if not self._custom_logger:
            self._logger = self._default_logger(tb_log_name, reset_num_timesteps)
        n_envs = self.n_envs
        target = self._learner.steps_done + n
        # Where the learner stops to hand over to Python: after every step of the
        # environments for a callback, every _LOG_CHUNK steps for a logger that writes
        # somewhere, else never (one chunk: the progress bar is fed while it runs).
        logging = bool(log_interval) and (self._custom_logger or bool(getattr(self.logger, "output_formats", True)))
        chunk = n_envs if cb is not None else _LOG_CHUNK if logging else n
        self._t0, self._n0 = time.monotonic(), self.num_timesteps
        self._episodes_at_start = self._learner.episodes
        locals_ = {"self": self, "total_timesteps": n, "callback": cb, "log_interval": log_interval,
                   "tb_log_name": tb_log_name, "dones": np.zeros(n_envs, dtype=bool),
                   "infos": [{} for _ in range(n_envs)], "new_episodes": []}
        bar = ProgressBar(self.num_timesteps, n) if progress_bar else None
        progress = (lambda step, fps, ret: bar.update(step - self._offset, fps, ret)) if bar else None
        if cb is not None:
            cb.init_callback(self)
            cb.on_training_start(locals_, globals())
            cb.on_rollout_start()
        try:
            while self._learner.steps_done < target:
                episodes = self._learner.train_until(min(target, self._learner.steps_done + chunk), progress)
                self._took(episodes, locals_)

                if log_interval and self._learner.episodes - self._episodes_logged >= log_interval:
                    self.dump_logs()
                if cb is not None:
                    cb.update_locals(locals_)
                    if not cb.on_step():
                        break
        finally:
            if bar is not None:
                bar.update(self.num_timesteps, self._fps(), self._mean_return(), final=True)
                bar.close()
        if cb is not None:
            cb.on_rollout_end()
            cb.on_training_end()
        if log_interval:
            self.dump_logs()
        return self

    def _took(self, episodes: list, locals_: dict) -> None:
        if not episodes and not locals_["new_episodes"]:
            return  # nothing ended in this step or the one before: the locals stand
        dones, infos = np.zeros(self.n_envs, dtype=bool), [{} for _ in range(self.n_envs)]
        for e in episodes:
            self._window.append((e["return"], e["length"]))
            i = e["env_index"] % self.n_envs
            dones[i] = True
            infos[i] = {"episode": {"r": e["return"], "l": e["length"], "t": time.monotonic() - self._t0}}
        locals_.update(dones=dones, infos=infos, new_episodes=episodes)

    def _fps(self) -> float:
        dt = time.monotonic() - self._t0
        return (self.num_timesteps - self._n0) / dt if dt > 0 else 0.0

    def _mean_return(self) -> Optional[float]:
        return float(np.mean([r for r, _ in self._window])) if self._window else None

    def dump_logs(self) -> None:
        """Records SB3's time/ and rollout/ keys and coagent's train/ keys, then dumps."""
        log = self.logger
        log.record("time/total_timesteps", self.num_timesteps)
        log.record("time/episodes", self._learner.episodes - self._episodes_at_start)
        log.record("time/fps", int(self._fps()))
        log.record("time/time_elapsed", int(time.monotonic() - self._t0))
        if self._window:
            log.record("rollout/ep_rew_mean", self._mean_return())
            log.record("rollout/ep_len_mean", float(np.mean([n for _, n in self._window])))
        for layer in self._learner.take_layer_stats():
            for key, value in layer.items():
                if key != "layer":
                    log.record(f"train/layer{layer['layer']}/{key}", value)
        log.dump(self.num_timesteps)
        self._episodes_logged = self._learner.episodes

    # --- the logger -------------------------------------------------------------------
    def _default_logger(self, tb_log_name: str, reset: bool):
        formats = ["stdout"] if self.verbose >= 1 else []
        folder = None
        if self.tensorboard_log is not None:
            folder = next_run_dir(self.tensorboard_log, tb_log_name, reset)
            formats.append("tensorboard")
        return configure(folder, formats)

    @property
    def logger(self):
        if self._logger is None:
            self._logger = configure(None, ["stdout"] if self.verbose >= 1 else [])
        return self._logger

    def set_logger(self, logger) -> None:
        """Use `logger` (coagent.logger.configure(...) or SB3's) from now on."""
        if not all(callable(getattr(logger, m, None)) for m in ("record", "dump")):
            raise TypeError(f"logger must have record() and dump() (coagent.logger.Logger or SB3's), "
                            f"got {type(logger).__name__}")
        self._logger, self._custom_logger = logger, True

    # --- using the policy -------------------------------------------------------------
    def predict(self, observation, state=None, episode_start=None, deterministic: bool = True):
        """(action, state) for an observation of observation_space.shape, or a batch of them
        (shape (k,) + observation_space.shape), as SB3's predict.

        The greedy action (every neuron emits its mean); deterministic=False is refused:
        exploration noise lives in the neurons while they learn.
        """
        if not deterministic:
            raise ValueError("predict(deterministic=False) is not supported: coagent's exploration "
                             "noise belongs to learning; the policy's action is its greedy one")
        try:
            obs = np.asarray(observation, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"observation must be numeric, got {observation!r}") from None
        shape = tuple(self.observation_space.shape)
        if obs.shape == shape:
            rows, single = 1, True
        elif obs.ndim == len(shape) + 1 and obs.shape[1:] == shape:
            rows, single = obs.shape[0], False
        else:
            raise ValueError(f"observation must have shape {shape} or (batch,) + {shape}, got {obs.shape}")
        n_in = self._learner.shape[0]
        actions = self._learner.predict(obs.reshape(rows, n_in))
        out = self._source.action_shape if single else (rows,) + self._source.action_shape
        return actions.reshape(out).astype(self._source.action_dtype), state

    def evaluate(self, n_episodes: int = 100, seed: Optional[int] = None, env=None) -> dict:
        """Greedy evaluation on a fresh environment (or `env`): the keys of `coagent eval --json`."""
        if isinstance(n_episodes, bool) or not isinstance(n_episodes, (int, np.integer)):
            raise ValueError(f"n_episodes must be an int, got {n_episodes!r}")
        seed = check_seed(seed)
        make = (lambda: env) if env is not None else self._source.make_eval
        return self._learner.evaluate(int(n_episodes), seed, make)

    # --- parameters ---------------------------------------------------------------------
    def get_parameters(self) -> dict:
        """The learned arrays by name ("layer1.K", "layer1.b", ..., "critic.u") as float64
        NumPy arrays (copies); set_parameters() takes them back. Local rules only."""
        if self.algo != "local":
            raise ValueError(f"get_parameters: algo='{self.algo}' has no named parameters "
                             "(the local rules do); save() keeps its whole state")
        return self._learner.parameters()

    def set_parameters(self, load_path_or_dict, exact_match: bool = True) -> None:
        """Writes arrays of get_parameters() (a dict, or a checkpoint path to read them
        from) into this agent; exact_match=True needs every array."""
        if isinstance(load_path_or_dict, (str, os.PathLike)):
            params = Agent.load(load_path_or_dict, env=self._source.make_eval).get_parameters()
        elif isinstance(load_path_or_dict, dict):
            params = load_path_or_dict
        else:
            raise TypeError(f"set_parameters takes a dict or a checkpoint path, got {type(load_path_or_dict).__name__}")
        if exact_match:
            missing = sorted(set(self._learner.parameters()) - set(params))
            if missing:
                raise ValueError(f"parameters missing (exact_match=True): {', '.join(missing)}")
        self._learner.set_parameters(params)

    # --- environments -----------------------------------------------------------------
    def get_env(self):
        """The training environments, as SB3's get_env: the vector env the agent was
        given; otherwise, once stable_baselines3 is imported, an SB3 DummyVecEnv over
        them (so SB3's callbacks see the VecEnv they expect), else the environment
        itself (or the list a factory made). For a built-in id: a coagent.make()
        environment of that id (the training ones live in C++)."""
        if is_vector_env(self._source.given):
            return self._source.given
        envs = self._source.training_envs()
        plain = envs[0] if len(envs) == 1 else envs
        vec_env = sys.modules.get("stable_baselines3.common.vec_env")
        if vec_env is None:
            return plain
        if getattr(self, "_vec_view", None) is None or self._vec_view[0] is not self._source:
            try:
                view = vec_env.DummyVecEnv([lambda e=e: e for e in envs])
            except ValueError:  # SB3 wraps gymnasium.Env only, not a duck-typed object
                view = plain
            self._vec_view = (self._source, view)
        return self._vec_view[1]

    def set_env(self, env, force_reset: bool = True) -> None:
        """Train on `env` from now on (same spaces and number of environments); the
        learned state carries over, as through save() and load(env=...)."""
        new = EnvSource(env, self.n_envs, "algo='ars'" if self.algo == "ars" else None)
        why = self._source.spec_matches(new)
        if why:
            raise ValueError(f"set_env: {why}")
        if (new.n_envs or self.n_envs) != self.n_envs:
            raise ValueError(f"set_env: {new.n_envs} environments, the agent has {self.n_envs}")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "set_env.ckpt")
            self._learner.save(path)
            self._learner = _coagent.Learner.load(path, new.make, new.name)
        self._source = new

    def get_vec_normalize_env(self):
        return None

    @property
    def observation_space(self):
        return self._source.observation_space

    @property
    def action_space(self):
        return self._source.action_space

    @property
    def n_envs(self) -> int:
        return int(self._learner.envs)

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
    def load(cls, path, env=None, verbose: int = 0, tensorboard_log: Optional[str] = None) -> "Agent":
        """The agent saved at `path` (by Agent.save or `coagent train --save`).

        `env`: as for Agent(); None loads the built-in environment the checkpoint names.
        """
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no checkpoint at {path!r}")
        agent = cls.__new__(cls)
        if env is None:
            try:
                learner = _coagent.Learner.load(path, None, "")
            except RuntimeError as e:
                if "unknown environment" not in str(e):
                    raise
                raise ValueError(f"{e}: the checkpoint was trained on a Python environment; "
                                 "pass env= to Agent.load") from None
            agent._attach(learner, EnvSource(learner.env), verbose, tensorboard_log)
            return agent
        source = EnvSource(env)
        learner = _coagent.Learner.load(path, source.make, source.name)
        if learner.algo == "ars" and source.single:
            raise ValueError("algo='ars' needs a callable that makes an environment (each rollout "
                             "runs on its own object), not one object")
        agent._attach(learner, source, verbose, tensorboard_log)
        return agent

    # --- facts ------------------------------------------------------------------------
    @property
    def num_timesteps(self) -> int:
        """Steps since the last learn(reset_num_timesteps=True) began (SB3's counter)."""
        return self._learner.steps_done - self._offset

    @property
    def steps_done(self) -> int:
        """Every environment step this run has learnt from (checkpoints resume from it)."""
        return self._learner.steps_done

    @property
    def digest(self) -> str:
        """SHA-256 of the learned and resumable state (as `coagent inspect` prints)."""
        return self._learner.digest

    @property
    def seed(self) -> int:
        return int(self._learner.seed)

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
                f"{self.steps_done} steps>")


__all__ = ["ALGOS", "Agent", "Logger"]
