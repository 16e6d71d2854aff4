"""Shared fixtures of the Python package's tests (run by CTest with PYTHONPATH=build/python
and COAGENT_CLI=build/coagent; by hand: PYTHONPATH=build/python python3 -m pytest tests/python)."""
import json
import os
import subprocess

import numpy as np
import pytest

import coagent


@pytest.fixture
def cli():
    path = os.environ.get("COAGENT_CLI", os.path.join(os.path.dirname(__file__), "../../build/coagent"))
    if not os.path.exists(path):
        pytest.skip(f"no coagent CLI at {path}")

    def run(*args):
        out = subprocess.run([path, *map(str, args)], check=True, capture_output=True, text=True)
        return out.stdout

    run.json = lambda *args: json.loads(run(*args).strip().splitlines()[-1])
    return run


class Forwarding:
    """A user's Python environment that steps coagent.make(name) through Python:
    every step goes Python -> C++ -> Python. `unwrapped` exposes the inner built-in (as a
    gymnasium.Wrapper does), so its state is checkpointed and digested."""

    def __init__(self, name="mountaincar", expose_unwrapped=True):
        self.inner = coagent.make(name)
        self.observation_space = self.inner.observation_space
        self.action_space = self.inner.action_space
        self.spec = self.inner.spec  # its id names the run; reward_threshold is "solved"
        self._expose = expose_unwrapped
        self.steps = 0

    @property
    def unwrapped(self):
        return self.inner if self._expose else self

    def reset(self, *, seed=None, options=None):
        return self.inner.reset(seed=seed)

    def step(self, action):
        self.steps += 1
        return self.inner.step(action)


class Scripted:
    """A tiny duck-typed environment whose step misbehaves in a chosen way."""

    def __init__(self, bad=None, after=3, obs_size=2):
        self.bad, self.after, self.t = bad, after, 0
        self.observation_space = coagent.Box(low=-np.ones(obs_size), high=np.ones(obs_size), dtype=np.float32)
        self.action_space = coagent.Box(low=-1.0, high=1.0, shape=(1,), dtype=np.float32)

    def reset(self, *, seed=None, options=None):
        self.t = 0
        if self.bad == "old-api-reset":
            return np.zeros(2, dtype=np.float32)
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        self.t += 1
        obs, reward = np.zeros(2, dtype=np.float32), 0.0
        if self.t >= self.after:
            if self.bad == "raise":
                raise RuntimeError("the simulator broke")
            if self.bad == "obs-shape":
                obs = np.zeros(3, dtype=np.float32)
            if self.bad == "reward":
                reward = "much"
            if self.bad == "nan-obs":
                obs = np.array([np.nan, 0.0])
            if self.bad == "old-api-step":
                return obs, reward, False, {}
        return obs, reward, False, self.t >= 50, {}


@pytest.fixture
def forwarding():
    return Forwarding
