"""coagent.make: Gymnasium's API over the built-in C++ environments."""
import numpy as np
import pytest

import coagent

IDS = ["MountainCarContinuous-v0", "Pendulum-v1", "mountaincar", "pendulum", "chain", "synthetic",
       "coagent/Pendulum-v1"]
GYM_BOUNDS = {  # Gymnasium's spaces, as its source defines them
    "MountainCarContinuous-v0": ([-1.2, -0.07], [0.6, 0.07], [-1.0], [1.0]),
    "Pendulum-v1": ([-1.0, -1.0, -8.0], [1.0, 1.0, 8.0], [-2.0], [2.0]),
}


@pytest.mark.parametrize("env_id", IDS)
def test_api_types_and_spaces(env_id):
    env = coagent.make(env_id)
    obs, info = env.reset(seed=7)
    assert isinstance(obs, np.ndarray) and isinstance(info, dict)
    assert obs.dtype == env.observation_space.dtype and obs.shape == env.observation_space.shape
    assert obs in env.observation_space
    # Gymnasium's dtype where Gymnasium has the environment; chain and synthetic: float64,
    # what their C++ computes in (coagent/envs.py)
    assert env.action_space.dtype == (np.float32 if env.name in ("mountaincar", "pendulum") else np.float64)
    for _ in range(5):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert obs.dtype == env.observation_space.dtype and obs in env.observation_space
        assert type(reward) is float and type(terminated) is bool and type(truncated) is bool
        assert isinstance(info, dict)
    assert env.spec.id.startswith("coagent/") and env.spec.max_episode_steps > 0
    env.close()


@pytest.mark.parametrize("env_id", sorted(GYM_BOUNDS))
def test_gymnasium_ids_have_gymnasiums_spaces(env_id):
    env = coagent.make(env_id)
    lo, hi, alo, ahi = GYM_BOUNDS[env_id]
    assert env.observation_space.dtype == np.float32
    np.testing.assert_array_equal(env.observation_space.low, np.array(lo, dtype=np.float32))
    np.testing.assert_array_equal(env.observation_space.high, np.array(hi, dtype=np.float32))
    np.testing.assert_array_equal(env.action_space.low, np.array(alo, dtype=np.float32))
    np.testing.assert_array_equal(env.action_space.high, np.array(ahi, dtype=np.float32))
    assert env.spec.max_episode_steps == {"MountainCarContinuous-v0": 999, "Pendulum-v1": 200}[env_id]


@pytest.mark.parametrize("env_id", ["mountaincar", "pendulum"])
def test_seeding(env_id):
    env = coagent.make(env_id)
    a, _ = env.reset(seed=5)
    b, _ = env.reset(seed=5)
    np.testing.assert_array_equal(a, b)
    c, _ = env.reset()  # the stream continues: another start
    assert not np.array_equal(a, c)
    d, _ = coagent.make(env_id).reset(seed=6)
    assert not np.array_equal(a, d)


def test_mountaincar_reset_observation_is_float32_of_the_state():
    env = coagent.make("mountaincar")
    obs, _ = env.reset(seed=3)
    position = env._cpp.state()[0]  # the float64 state Gymnasium keeps until the first step
    assert obs[0] == np.float32(position) and obs[1] == 0.0


def test_mountaincar_truncates_at_999_without_terminating():
    env = coagent.make("MountainCarContinuous-v0")
    env.reset(seed=0)
    for t in range(1, 1000):
        _, _, terminated, truncated, _ = env.step(np.zeros(1))
        assert not terminated
        assert truncated == (t == 999)


def test_chain_terminates_at_the_goal():
    env = coagent.make("chain")
    env.reset(seed=0)
    total = 0.0
    for t in range(1, 101):
        obs, reward, terminated, truncated, _ = env.step([1.0])
        total += reward
        assert terminated == (t == 100) and not truncated
    assert total == 100.0 and obs[0] == 1.0


def test_pendulum_truncates_at_200():
    env = coagent.make("pendulum")
    env.reset(seed=1)
    flags = [env.step([0.0])[3] for _ in range(200)]
    assert flags[-1] and not any(flags[:-1])


def test_out_of_range_actions_are_clipped_but_charged():
    a, b = coagent.make("mountaincar"), coagent.make("mountaincar")
    a.reset(seed=2), b.reset(seed=2)
    oa, ra, *_ = a.step(np.array([5.0]))
    ob, rb, *_ = b.step(np.array([1.0]))
    np.testing.assert_array_equal(oa, ob)  # the force is clipped to 1
    assert ra == pytest.approx(-2.5) and rb == pytest.approx(-0.1)  # the cost uses the action given


@pytest.mark.parametrize("action", [[np.nan], [np.inf], [1.0, 2.0], "left", [[0.1, 0.2]]])
def test_bad_actions_raise(action):
    env = coagent.make("mountaincar")
    env.reset(seed=0)
    with pytest.raises(ValueError):
        env.step(action)


def test_bad_ids_and_arguments():
    with pytest.raises(ValueError, match="unknown environment 'CartPole-v1'"):
        coagent.make("CartPole-v1")
    with pytest.raises(TypeError):
        coagent.make(3)
    with pytest.raises(ValueError, match="render"):
        coagent.make("pendulum", render_mode="human")
    env = coagent.make("pendulum")
    with pytest.raises(ValueError, match="seed"):
        env.reset(seed=-1)
    with pytest.raises(TypeError):
        env.reset(seed=1.5)
    with pytest.raises(ValueError, match="options"):
        env.reset(options={"x_init": 1.0})


def test_one_registry_lists_the_environments_for_the_cli_and_python(cli):
    """`coagent envs` and coagent.make read the same table (src/envs/registry.cpp): every
    environment the CLI lists as built is one coagent.make makes, with the same sizes, and
    Gymnasium's id is an alias of it."""
    rows = cli.json("envs", "--json")
    assert [r["name"] for r in rows][:4] == ["chain", "mountaincar", "pendulum", "synthetic"]
    built = [r for r in rows if r["available"]]
    assert {r["name"] for r in built} == set(coagent._coagent.builtin_envs())
    for r in built:
        env = coagent.make(r["gymnasium_id"] or r["name"])
        assert env.observation_space.shape == (r["observation_size"],), r
        assert env.action_space.shape == (r["action_size"],), r
        threshold = env.spec.reward_threshold if env.spec is not None else r["reward_threshold"]
        assert threshold == r["reward_threshold"], r
        env.close()
