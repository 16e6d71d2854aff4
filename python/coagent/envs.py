"""coagent.make(id): the built-in C++ environments behind Gymnasium's API.

Ids: Gymnasium's ("MountainCarContinuous-v0", "Pendulum-v1", and its MuJoCo tasks
"InvertedPendulum-v5" ... "Ant-v5" when coagent is built with MuJoCo), ours ("mountaincar",
"pendulum", "chain", "synthetic") and the registered "coagent/<id>" forms. When gymnasium
is importable the environments are gymnasium.Env subclasses with gymnasium.spaces.Box
spaces, registered as "coagent/MountainCarContinuous-v0", "coagent/Pendulum-v1",
"coagent/chain-v0", "coagent/synthetic-v0" and "coagent/HalfCheetah-v5" etc. (so
gymnasium.make works on them); otherwise plain classes with the same attributes.

The MuJoCo tasks are Gymnasium's v5 with their default arguments, bit for bit from the
same state and action (tests/python/test_mujoco.py): float64 observations and float32
actions as Gymnasium's spaces, the info dicts with Gymnasium's keys, and
env.unwrapped.set_state(qpos, qvel) as Gymnasium's MujocoEnv has it.

The arithmetic is Gymnasium's, step for step (docs/design.md §2); the random stream is
coagent's own, so reset(seed=s) gives the same observation every time but not the one
Gymnasium's NumPy generator would draw. Observations and actions are float32 as
Gymnasium's (chain and synthetic, which Gymnasium does not have: float64, what their
C++ environment computes in, so a Python rollout of them is the C++ one bit for bit);
actions may be any float
array of action_space.shape, out-of-range values are clipped as Gymnasium does, NaN or
infinity raises ValueError.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from . import _coagent
from .spaces import Box

try:
    import gymnasium as _gym
except ImportError:  # pragma: no cover - exercised where gymnasium is missing
    _gym = None


@dataclass(frozen=True)
class _Entry:
    name: str                   # the C++ environment's name (settings, checkpoints)
    spec_id: str                # the registered id, "coagent/..."
    aliases: tuple
    obs_dtype: Any              # Gymnasium's float32 where Gymnasium has the environment,
    act_dtype: Any              # else float64: what the C++ environment computes in
    reward_threshold: Optional[float]


def _entry_of(row: dict) -> _Entry:
    """A row of the C++ registry (src/envs/registry.cpp) as coagent.make's entry: the
    registered id is "coagent/<Gymnasium's id>" (Gymnasium's own id an alias), else
    "coagent/<name>-v0"."""
    name, gym_id = row["name"], row["gymnasium_id"]
    spec_id = f"coagent/{gym_id}" if gym_id else f"coagent/{name}-v0"
    aliases = (gym_id,) if gym_id and gym_id != name else ()
    return _Entry(name, spec_id, aliases, np.float32 if row["float32_observations"] else np.float64,
                  np.float32 if row["float32_actions"] else np.float64, row["reward_threshold"])


_TABLE = _coagent.builtin_env_table()
# Gymnasium's MuJoCo tasks (src/envs/mujoco/) and their reward thresholds, built or not:
# without MuJoCo their ids raise the C++ error saying how to get it.
MUJOCO_TASKS = {r["name"]: r["reward_threshold"] for r in _TABLE if r["family"] == "mujoco"}
_UNAVAILABLE = {r["name"] for r in _TABLE if not r["available"]}
_ENTRIES = tuple(_entry_of(r) for r in _TABLE if r["available"])
_BY_ID = {}
for _e in _ENTRIES:
    for _k in (_e.name, _e.spec_id, *_e.aliases):
        _BY_ID[_k] = _e


def env_ids() -> list:
    """Every id coagent.make accepts."""
    return sorted(_BY_ID)


def _entry(env_id) -> _Entry:
    if not isinstance(env_id, str):
        raise TypeError(f"environment id must be a string, got {type(env_id).__name__}")
    try:
        return _BY_ID[env_id]
    except KeyError:
        if env_id.removeprefix("coagent/") in _UNAVAILABLE:  # e.g. MuJoCo's, without MuJoCo: says how
            _coagent.CppEnv(env_id.removeprefix("coagent/"))
        raise ValueError(f"unknown environment {env_id!r}; known: {', '.join(env_ids())}") from None


def builtin_name(env_id) -> str:
    """The C++ name of a built-in environment id (ValueError naming the known ids)."""
    return _entry(env_id).name


def _check_seed(seed) -> Optional[int]:
    if seed is None:
        return None
    if isinstance(seed, bool):
        raise TypeError("seed must be an int, got bool")
    try:
        s = operator.index(seed)
    except TypeError:
        raise TypeError(f"seed must be an int, got {type(seed).__name__}") from None
    if not 0 <= s < 2**64:
        raise ValueError(f"seed {s} is outside [0, 2**64)")
    return s


if _gym is not None:
    _Base = _gym.Env

    def _spec(entry: _Entry, max_steps: int):
        if entry.spec_id not in _gym.registry:
            _gym.register(id=entry.spec_id, entry_point="coagent.envs:CoagentEnv",
                          kwargs={"env_id": entry.name}, max_episode_steps=max_steps,
                          reward_threshold=entry.reward_threshold)
        return _gym.spec(entry.spec_id)
else:
    class _Base:  # the parts of gymnasium.Env that coagent's environments use
        metadata = {"render_modes": []}
        render_mode = None
        spec = None
        _np_random = None

        @property
        def unwrapped(self):
            return self

        @property
        def np_random(self):
            if self._np_random is None:
                self._np_random = np.random.default_rng()
            return self._np_random

        def reset(self, *, seed=None, options=None):
            if seed is not None:
                self._np_random = np.random.default_rng(seed)

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *args):
            self.close()
            return False

    @dataclass(frozen=True)
    class EnvSpec:
        """The fields of gymnasium.envs.registration.EnvSpec that describe an id."""
        id: str
        max_episode_steps: Optional[int] = None
        reward_threshold: Optional[float] = None
        nondeterministic: bool = False
        kwargs: dict = field(default_factory=dict)

        def make(self, **kwargs):
            return CoagentEnv(**{**self.kwargs, **kwargs})

    def _spec(entry: _Entry, max_steps: int):
        return EnvSpec(entry.spec_id, max_steps, entry.reward_threshold, False, {"env_id": entry.name})


class CoagentEnv(_Base):
    """A built-in coagent environment with Gymnasium's API (use coagent.make)."""

    metadata = {"render_modes": []}

    def __init__(self, env_id: str = "mountaincar", render_mode: Optional[str] = None):
        if render_mode is not None:
            raise ValueError(f"render_mode {render_mode!r}: coagent's environments do not render "
                             "(see `coagent eval --gif` for pictures)")
        self.render_mode = None
        self._entry = _entry(env_id)
        self._cpp = _coagent.CppEnv(self._entry.name)
        dtype = self._entry.obs_dtype
        self.observation_space = Box(low=self._cpp.observation_low.astype(dtype),
                                     high=self._cpp.observation_high.astype(dtype), dtype=dtype)
        adt = self._entry.act_dtype
        self.action_space = Box(low=self._cpp.action_low.astype(adt), high=self._cpp.action_high.astype(adt),
                                dtype=adt)
        self.spec = _spec(self._entry, int(self._cpp.max_episode_steps))

    @property
    def name(self) -> str:
        """The C++ environment's name, as settings and checkpoints store it."""
        return self._entry.name

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        seed = _check_seed(seed)
        super().reset(seed=seed)
        if options:
            raise ValueError(f"reset options {sorted(options)} are not supported by {self._entry.name}")
        obs = self._cpp.reset(seed)
        return obs.astype(self.observation_space.dtype), dict(self._cpp.info())

    def step(self, action):
        try:
            a = np.asarray(action, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{self._entry.name}: action must be numeric, got {action!r}") from None
        if a.size != self.action_space.shape[0]:
            raise ValueError(f"{self._entry.name}: action must have shape {self.action_space.shape}, "
                             f"got {a.shape}")
        obs, reward, terminated, truncated = self._cpp.step(a.reshape(-1))
        return (obs.astype(self.observation_space.dtype), float(reward), bool(terminated), bool(truncated),
                dict(self._cpp.info()))

    def set_state(self, qpos, qvel):
        """A MuJoCo task's state, as Gymnasium's MujocoEnv.set_state: qpos and qvel copied in,
        then mj_forward. Like Gymnasium's (on the unwrapped environment), it leaves the
        episode's step count alone."""
        if self._entry.name not in MUJOCO_TASKS:
            raise TypeError(f"{self._entry.name} has no qpos/qvel (set_state is a MuJoCo task's)")
        nq = sum(n.startswith("qpos") for n in self._cpp.state_names())
        nv = len(self._cpp.state_names()) - nq
        qpos, qvel = np.asarray(qpos, dtype=np.float64), np.asarray(qvel, dtype=np.float64)
        if qpos.shape != (nq,) or qvel.shape != (nv,):
            raise ValueError(f"{self._entry.name}: set_state needs qpos of shape ({nq},) and qvel of "
                             f"shape ({nv},), got {qpos.shape} and {qvel.shape}")
        steps = self._cpp.elapsed_steps
        self._cpp.set_state(np.concatenate([qpos, qvel]))
        self._cpp.elapsed_steps = steps

    def state_vector(self):
        """A MuJoCo task's [qpos, qvel] (Gymnasium's MujocoEnv.state_vector)."""
        return self._cpp.state()

    def render(self):
        return None

    def close(self):
        pass

    def __repr__(self):
        return f"<CoagentEnv {self.spec.id}>"


def make(env_id: str, **kwargs) -> CoagentEnv:
    """A built-in environment by id (Gymnasium's or ours), with Gymnasium's API."""
    return CoagentEnv(env_id, **kwargs)


if _gym is not None:  # gymnasium.make("coagent/...") works once coagent is imported
    for _e in _ENTRIES:
        _spec(_e, int(_coagent.CppEnv(_e.name).max_episode_steps))
