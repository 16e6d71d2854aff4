"""Shared fixtures of the Python package's tests (run by CTest with PYTHONPATH=build/python
and COAGENT_CLI=build/coagent; by hand: PYTHONPATH=build/python .venv/bin/python -m pytest
tests/python). Nothing may skip: a skipped test fails the run (the hook below), so a
missing gymnasium or SB3 is an error, not a quiet pass."""
import json
import os
import subprocess

import numpy as np
import pytest

import coagent


def pytest_sessionfinish(session, exitstatus):
    """A run with a skipped test fails (pytest's own exit status 1)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == 0:
        reporter.write_line(f"{len(skipped)} test(s) skipped: coagent's Python suite runs every test")
        session.exitstatus = 1


@pytest.fixture
def cli():
    path = os.environ.get("COAGENT_CLI", os.path.join(os.path.dirname(__file__), "../../build/coagent"))
    assert os.path.exists(path), f"no coagent CLI at {path} (set COAGENT_CLI)"

    def run(*args):
        out = subprocess.run([path, *map(str, args)], check=True, capture_output=True, text=True)
        return out.stdout

    run.json = lambda *args: json.loads(run(*args).strip().splitlines()[-1])
    return run


class Forwarding:
    """A user's Python environment that steps coagent.make(name) through Python:
    every step goes Python -> C++ -> Python. `unwrapped` exposes the inner built-in (as a
    gymnasium.Wrapper does), so its state is checkpointed and digested. Its action space
    is float64 (`action_dtype`), so the actor's actions reach the built-in unrounded."""

    def __init__(self, name="mountaincar", expose_unwrapped=True, action_dtype=np.float64):
        self.inner = coagent.make(name)
        self.observation_space = self.inner.observation_space
        space = self.inner.action_space
        self.action_space = coagent.Box(low=space.low.astype(action_dtype), high=space.high.astype(action_dtype),
                                        dtype=action_dtype)
        self.actions_seen = []
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
        if len(self.actions_seen) < 100:
            self.actions_seen.append(action)
        return self.inner.step(action)


class Scripted:
    """A tiny duck-typed environment whose step misbehaves in a chosen way."""

    def __init__(self, bad=None, after=3, obs_size=2):
        self.bad, self.after, self.t = bad, after, 0
        self.observation_space = coagent.Box(low=-np.ones(obs_size, dtype=np.float32),
                                             high=np.ones(obs_size, dtype=np.float32), dtype=np.float32)
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
