"""Against the real Gymnasium, where it is installed (skipped otherwise): the same
arithmetic step for step, and Agent on Gymnasium's own environments."""
import numpy as np
import pytest

import coagent

gym = pytest.importorskip("gymnasium")


def _start_both(env_id, seed):
    ours, theirs = coagent.make(env_id), gym.make(env_id)
    obs, _ = ours.reset(seed=seed)
    theirs.reset(seed=seed)
    # Our random stream is not NumPy's: put Gymnasium's environment in our start state.
    theirs.unwrapped.state = np.array(ours._cpp.state(), dtype=np.float64)
    return ours, theirs, obs


# Gymnasium computes these environments with NumPy scalars: under NumPy 1.x a float32
# scalar meeting a Python float gives float64, which is what coagent's C++ reproduces bit
# for bit; NumPy 2 (NEP 50) keeps such expressions in float32, so there parts of the step
# are rounded to float32 and the two agree to float32 precision only.
EXACT = int(np.__version__.split(".")[0]) < 2


def _same(a, b):
    if EXACT:
        return np.array_equal(a, b)
    return np.allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("env_id", ["MountainCarContinuous-v0", "Pendulum-v1"])
def test_same_arithmetic_step_for_step(env_id):
    ours, theirs, _ = _start_both(env_id, seed=4)
    rng = np.random.default_rng(0)
    high = float(ours.action_space.high[0])
    for t in range(300):
        action = rng.uniform(-1.5 * high, 1.5 * high, size=(1,)).astype(np.float32)
        if not EXACT:  # one step at a time from the same state: no drift to compound
            theirs.unwrapped.state = np.array(ours._cpp.state(), dtype=np.float64)
        a = ours.step(action)
        b = theirs.step(action)
        assert a[0].dtype == b[0].dtype and _same(a[0], b[0]), (env_id, t, a[0], b[0])
        assert _same(a[1], float(b[1])), (env_id, t, a[1], b[1])
        assert (a[2], a[3]) == (bool(b[2]), bool(b[3])), (env_id, t)
        if a[2] or a[3]:
            break


@pytest.mark.parametrize("env_id", ["MountainCarContinuous-v0", "Pendulum-v1"])
def test_agent_trains_on_gymnasiums_own_environment(env_id, tmp_path):
    agent = coagent.Agent(gym.make(env_id), seed=1, hidden=[8])
    agent.learn(3000)
    result = agent.evaluate(2)
    assert result["env"] == env_id and result["episodes"] == 2
    agent.save(tmp_path / "g.ckpt")
    again = coagent.Agent.load(tmp_path / "g.ckpt", env=gym.make(env_id))
    assert again.evaluate(2) == result


def test_env_factory_for_envs_in_flight():
    agent = coagent.Agent(lambda: gym.make("Pendulum-v1"), seed=1, envs=4, hidden=[8])
    agent.learn(2000)
    assert agent.num_timesteps == 2000
