"""Where an Agent's environments come from: the `env` argument of coagent.Agent.

Accepted, in this order of recognition:
  * an id string ("Pendulum-v1", "mountaincar", "coagent/Pendulum-v1", ...): the built-in
    C++ environment, stepped with no Python in the loop;
  * a coagent.make() environment (a bare CoagentEnv): the same built-in, by its id;
  * a vector environment: gymnasium.vector.VectorEnv or a Stable-Baselines3 VecEnv. Its
    sub-environments (`.envs`; for a subprocess vector env, new ones from `.env_fns` in
    this process) become the N environments in flight (envs=N); coagent steps and resets
    each one itself, not through the vector env's batched step;
  * any object with Gymnasium's reset/step API and Box spaces (duck-typed);
  * a callable returning a new such object each call (what envs=N > 1 needs).
Evaluation always runs on a fresh environment of its own (never the one being trained
on): the factory's next one, or a copy of a single object (copy.deepcopy, else
gymnasium.make of its spec).
"""
from __future__ import annotations

import copy
import itertools
from typing import Callable, Optional

import numpy as np

from .envs import CoagentEnv, builtin_name

SUPPORTED = ("coagent supports Box observation spaces and Box action spaces of a floating "
             "dtype (continuous control)")


def is_env_object(x) -> bool:
    return hasattr(x, "reset") and hasattr(x, "step")


def is_vector_env(x) -> bool:
    """A gymnasium.vector.VectorEnv or an SB3 VecEnv (duck-typed: num_envs and a batched
    step of their own)."""
    return isinstance(getattr(x, "num_envs", None), int) and (
        hasattr(x, "single_action_space") or hasattr(x, "step_async"))


def env_name(env) -> str:
    spec = getattr(env, "spec", None)
    name = getattr(spec, "id", None) if spec is not None else None
    if not isinstance(name, str) or not name.strip():
        name = type(env).__name__
    return " ".join(name.split())


def check_spaces(observation_space, action_space) -> None:
    """ValueError naming the space coagent cannot train on (Discrete, Dict, ...)."""
    for what, space in (("observation_space", observation_space), ("action_space", action_space)):
        if space is None:
            raise ValueError(f"the environment has no {what}; {SUPPORTED}")
        if not all(hasattr(space, a) for a in ("low", "high", "shape")):
            raise ValueError(f"{what} is {space!r}: {SUPPORTED}")
        dtype = getattr(space, "dtype", None)
        if what == "action_space" and dtype is not None and np.dtype(dtype).kind != "f":
            raise ValueError(f"{what} is {space!r} of dtype {np.dtype(dtype)}: {SUPPORTED}")


def fresh_copy(env):
    """A new environment like `env`, for evaluation: deepcopy, else gymnasium.make(spec)."""
    try:
        return copy.deepcopy(env)
    except Exception as first:  # noqa: BLE001 - any failure means "cannot copy"
        spec = getattr(env, "spec", None)
        if getattr(spec, "id", None):
            try:
                import gymnasium
                return gymnasium.make(spec)
            except Exception:  # noqa: BLE001
                pass
        raise ValueError(f"cannot make a separate evaluation environment from {type(env).__name__} "
                         f"(copy.deepcopy failed: {first}); pass env= to evaluate(), or give the "
                         "agent a callable that makes environments") from None


def _sub_envs(vec) -> tuple:
    """The sub-environments of a vector env, and a maker of more (or None)."""
    fns = getattr(vec, "env_fns", None)
    envs = getattr(vec, "envs", None)
    more = (lambda i=itertools.count(): fns[next(i) % len(fns)]()) if fns else None
    if envs is None:
        if not fns:
            raise ValueError(f"{type(vec).__name__}: coagent steps each environment in flight itself "
                             "and cannot reach this vector env's sub-environments (no .envs or .env_fns); "
                             "pass a gymnasium SyncVectorEnv, an SB3 DummyVecEnv or a callable")
        envs = [f() for f in fns]
    return list(envs), more


class EnvSource:
    """The learner's environment factory, the evaluation environment's, the spaces."""

    def __init__(self, env, envs_in_flight: Optional[int] = None, needs_many: Optional[str] = None):
        self.given = env                        # what get_env() returns
        self.make: Optional[Callable] = None    # None: the built-in environment `name`
        self.make_eval: Optional[Callable] = None  # None: the learner's own (built-in or factory)
        self.n_envs: Optional[int] = None       # fixed by a vector env
        self.single = False                     # one environment object, not a factory
        self.made: list = []                    # what a factory made for training
        if isinstance(env, str):
            self.name = builtin_name(env)
            probe = CoagentEnv(self.name)
            self.given = None
        elif type(env) is CoagentEnv:  # a bare built-in: no Python in the loop
            self.name, probe = env.name, env
        elif is_vector_env(env):
            subs, more = _sub_envs(env)
            self.n_envs = len(subs)
            if envs_in_flight not in (None, self.n_envs):
                raise ValueError(f"envs={envs_in_flight} but the vector env has {self.n_envs} environments")
            probe = subs[0]
            queue = list(subs)

            def make():
                if queue:
                    return queue.pop(0)
                if more is None:
                    raise ValueError(f"{type(env).__name__} has {self.n_envs} environments and no "
                                     ".env_fns to make more; pass a callable instead")
                return more()
            self.make = make
            self.make_eval = more or (lambda: fresh_copy(subs[0]))
            self.name = env_name(probe)
        elif is_env_object(env):
            if (envs_in_flight or 1) > 1 or needs_many:
                raise ValueError(f"{needs_many or f'envs={envs_in_flight}'} needs a callable that "
                                 "makes an environment (each environment in flight is its own "
                                 "object), a vector env, not one object")
            probe, self.name, self.single = env, env_name(env), True
            first = [env]
            self.make = lambda: first.pop() if first else env
            self.make_eval = lambda: fresh_copy(env)
        elif callable(env):
            probe = env()
            if not is_env_object(probe):
                raise TypeError(f"the environment factory returned {type(probe).__name__}, "
                                "which has no reset/step")
            self.name = env_name(probe)
            first = [probe]
            self.make = lambda: self._keep(first.pop() if first else env())
            self.make_eval = env
        else:
            raise TypeError(f"env must be an environment id, an object with Gymnasium's reset/step "
                            f"API, a vector env, or a callable making one; got {type(env).__name__}")
        check_spaces(getattr(probe, "observation_space", None), getattr(probe, "action_space", None))
        self.observation_space = probe.observation_space
        self.action_space = probe.action_space
        self.action_shape = tuple(self.action_space.shape)
        self.action_dtype = np.dtype(getattr(self.action_space, "dtype", None) or np.float64)

    def _keep(self, env):
        self.made.append(env)
        return env

    def training_envs(self) -> list:
        """The environments trained on, as Python objects (for a built-in: one
        coagent.make() environment of the same id, made here once: the training
        environments themselves live in C++)."""
        if self.given is None:
            self.given = CoagentEnv(self.name)
        if self.made:
            return list(self.made)
        return [self.given]

    def spec_matches(self, other: "EnvSource") -> Optional[str]:
        """Why `other` cannot replace this source's environments (None: it can)."""
        for what in ("observation_space", "action_space"):
            a, b = getattr(self, what), getattr(other, what)
            if tuple(a.shape) != tuple(b.shape) or not (np.array_equal(np.asarray(a.low), np.asarray(b.low))
                                                        and np.array_equal(np.asarray(a.high), np.asarray(b.high))):
                return f"{what} differs: {a!r} vs {b!r}"
        return None

