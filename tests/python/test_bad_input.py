"""Bad input: each a clear Python exception naming the problem, nothing written."""
import numpy as np
import pytest

import coagent
from conftest import Scripted


@pytest.mark.parametrize("mode", ["lockstep", "async"])
@pytest.mark.parametrize("bad, error, message", [
    ("raise", RuntimeError, "the simulator broke"),
    ("obs-shape", ValueError, "observation of 3 values, observation_space has 2"),
    ("reward", ValueError, "non-numeric reward"),
    ("nan-obs", ValueError, "observation with nan"),
    ("old-api-step", ValueError, "must return \\(observation, reward, terminated, truncated, info\\)"),
])
def test_misbehaving_environment_raises_out_of_learn(tmp_path, bad, error, message, mode):
    """The environment fails at its 3rd step: learn() raises its error, the agent stops
    at a step boundary (lockstep: the 2 steps done; async counts the failed step, whose
    action had been emitted) and still saves and loads."""
    agent = coagent.Agent(Scripted(bad), seed=1, mode=mode, hidden=[4])
    with pytest.raises(error, match=message):
        agent.learn(1000)
    assert agent.steps_done == {"lockstep": 2, "async": 3}[mode]
    agent.save(tmp_path / "after-error.ckpt")
    again = coagent.Agent.load(tmp_path / "after-error.ckpt", env=Scripted())
    assert again.digest == agent.digest and again.steps_done == agent.steps_done


def test_old_gym_reset_api_is_refused():
    with pytest.raises(ValueError, match="reset\\(\\) must return \\(observation, info\\)"):
        coagent.Agent(Scripted("old-api-reset"), seed=1).learn(10)


def test_environment_without_the_api():
    with pytest.raises(TypeError, match="env must be"):
        coagent.Agent(42)
    with pytest.raises(ValueError, match="unknown environment"):
        coagent.Agent("CartPole-v1")

    class NoSpaces:
        def reset(self, *, seed=None, options=None):
            return np.zeros(2), {}

        def step(self, action):
            return np.zeros(2), 0.0, False, False, {}

    with pytest.raises(ValueError, match="the environment has no observation_space; coagent supports Box"):
        coagent.Agent(NoSpaces())


def test_infinite_observation_bounds_need_obs_norm_off(tmp_path):
    env = Scripted()
    env.observation_space = coagent.Box(low=-np.inf, high=np.inf, shape=(2,), dtype=np.float32)
    with pytest.raises(ValueError, match="obs_norm=False"):
        coagent.Agent(env, seed=1)
    agent = coagent.Agent(env, seed=1, obs_norm=False, mode="lockstep").learn(100)
    agent.save(tmp_path / "unbounded.ckpt")
    assert coagent.Agent.load(tmp_path / "unbounded.ckpt", env=env).digest == agent.digest


def test_settings_are_checked():
    with pytest.raises(ValueError, match="unknown setting 'alpha_actr'"):
        coagent.Agent("chain", alpha_actr=0.1)
    with pytest.raises(ValueError, match="alpha-actor"):
        coagent.Agent("chain", alpha_actor=-1.0)
    with pytest.raises(ValueError, match="hidden"):
        coagent.Agent("chain", hidden="wide")
    with pytest.raises(ValueError, match="needs algo='ddpg'"):
        coagent.Agent("chain", ddpg_gamma=0.9)
    with pytest.raises(ValueError, match="applies to the local rules"):
        coagent.Agent("pendulum", algo="ddpg", rule="perturb")
    with pytest.raises(ValueError, match="not one of local, ddpg"):
        coagent.Agent("chain", algo="ppo")
    with pytest.raises(ValueError, match="preset"):
        coagent.Agent("chain", preset="nope")
    with pytest.raises(ValueError, match="envs=2 needs a callable"):
        coagent.Agent(Scripted(), envs=2)
    agent = coagent.Agent("chain", seed=1)
    for n in [0, -5, 2.5, True]:
        with pytest.raises(ValueError, match="total_timesteps"):
            agent.learn(n)
    with pytest.raises(ValueError, match="n_episodes"):
        agent.evaluate(0)


def test_checkpoint_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        coagent.Agent.load(tmp_path / "missing.ckpt")
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"not a checkpoint at all")
    with pytest.raises(RuntimeError, match="junk.ckpt"):
        coagent.Agent.load(junk)
    agent = coagent.Agent(Scripted(), seed=1, mode="lockstep").learn(100)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        agent.save(tmp_path / "no" / "such" / "dir.ckpt")
    agent.save(tmp_path / "scripted.ckpt")
    with pytest.raises(ValueError, match="pass env="):
        coagent.Agent.load(tmp_path / "scripted.ckpt")
    wrong = Scripted(obs_size=3)
    with pytest.raises(RuntimeError, match="layer shape does not match its settings"):
        coagent.Agent.load(tmp_path / "scripted.ckpt", env=wrong)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.ckpt", "scripted.ckpt"]
