"""coagent.Agent: the exact callback path, checkpoints shared with the CLI, learning
through Python, Ctrl-C, predict, parameters, the GIL."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import coagent
from conftest import Forwarding


def test_python_env_path_is_exact(forwarding):
    """Every step through Python (Python -> C++ -> Python) learns exactly what the
    built-in environment teaches, in lockstep and in async mode."""
    direct = coagent.Agent("mountaincar", preset="mountaincar", seed=3, mode="lockstep").learn(4000)
    for mode in ["lockstep", "async"]:
        env = forwarding("mountaincar")
        via = coagent.Agent(env, preset="mountaincar", seed=3, mode=mode).learn(4000)
        assert env.steps == 4000
        assert via.digest == direct.digest, mode
        # The actions reached Python as the float64 arrays the space asks for.
        assert all(a.dtype == np.float64 and a.shape == (1,) for a in env.actions_seen)


def test_python_save_loads_in_the_cli(tmp_path, cli):
    agent = coagent.Agent("chain", seed=2, mode="lockstep", steps=3000).learn()
    path = tmp_path / "py.ckpt"
    agent.save(path)
    shell = cli.json("eval", "--load", path, "--json", "--episodes", 5)
    assert shell == agent.evaluate(5)
    assert cli.json("inspect", path, "--json")["digest"] == agent.digest


def test_cli_save_loads_in_python(tmp_path, cli):
    path = tmp_path / "cli.ckpt"
    cli("train", "--preset", "mountaincar", "--steps", 3000, "--seed", 4, "--save", path)
    agent = coagent.Agent.load(path)
    assert agent.num_timesteps == 3000 and agent.steps_done == 3000 and agent.env_name == "mountaincar"
    assert agent.evaluate(3, seed=9) == cli.json("eval", "--load", path, "--json", "--episodes", 3, "--seed", 9)
    # Resume in Python equals an uninterrupted run.
    full = coagent.Agent("mountaincar", preset="mountaincar", seed=4, mode="lockstep").learn(5000)
    agent.learn(2000)
    assert agent.steps_done == 5000 and agent.num_timesteps == 2000  # SB3's reset_num_timesteps
    assert agent.digest == full.digest


def test_mountaincar_preset_learns_through_python(forwarding):
    """The preset's budget on a Python environment, against the untrained network."""
    env = forwarding("mountaincar", expose_unwrapped=False)
    agent = coagent.Agent(env, preset="mountaincar", seed=1)
    before = agent.evaluate(20)
    agent.learn()
    after = agent.evaluate(100)
    assert agent.steps_done == 200000
    assert not before["solved"] and before["mean_return"] < 50
    assert after["solved"] and after["mean_return"] >= 90, after


def test_learn_without_arguments_trains_the_steps_setting_each_time():
    """Bug: learn() raised the `steps` setting to steps done + n, so repeated calls
    trained 1000, 1000, 2000, 4000 steps."""
    agent = coagent.Agent("chain", seed=1, steps=1000, mode="lockstep")
    ends = [agent.learn().steps_done for _ in range(3)]
    assert ends == [1000, 2000, 3000]
    assert coagent.Agent("chain", seed=1, mode="lockstep").learn(3000).digest == agent.digest


def test_evaluate_then_learn_equals_learn_alone():
    """Bug: evaluate() on an agent built from one environment object played on that
    object, so the next learn() went on from the evaluation's state."""
    alone = coagent.Agent(Forwarding("mountaincar", expose_unwrapped=False), seed=5, hidden=[8],
                          mode="lockstep").learn(3000)
    env = Forwarding("mountaincar", expose_unwrapped=False)
    agent = coagent.Agent(env, seed=5, hidden=[8], mode="lockstep").learn(1500)
    steps_before = env.steps
    agent.evaluate(3)
    assert env.steps == steps_before  # the evaluation ran elsewhere
    agent.learn(1500)
    assert agent.digest == alone.digest


def test_hand_rollout_of_predict_equals_evaluate():
    """predict is the policy evaluate() plays: a rollout by hand on coagent.make with the
    evaluation seed gives the same return, bit for bit where the environment's spaces are
    float64 (chain, synthetic). MountainCar and Pendulum have Gymnasium's float32 spaces:
    there the observation predict sees and the action it returns are rounded to float32,
    so the returns agree to float32 rounding of one step's inputs, compounded."""
    for env_id, steps in [("synthetic", 3000), ("chain", 3000), ("pendulum", 3000), ("mountaincar", 3000)]:
        agent = coagent.Agent(env_id, seed=3, mode="lockstep").learn(steps)
        for seed in (11, 12):
            env = coagent.make(env_id)
            obs, _ = env.reset(seed=seed)
            total, done, length = 0.0, False, 0
            while not done:
                action, _ = agent.predict(obs)
                assert action.dtype == env.action_space.dtype and action in env.action_space
                obs, reward, terminated, truncated, _ = env.step(action)
                total += reward
                length += 1
                done = terminated or truncated
            result = agent.evaluate(1, seed=seed)
            assert result["mean_length"] == length, env_id
            if env.observation_space.dtype == np.float64:
                assert total == result["mean_return"], (env_id, seed)
            else:
                assert total == pytest.approx(result["mean_return"], rel=1e-4, abs=1e-3), (env_id, seed)


def test_predict_is_the_network_forward_pass():
    """predict equals tanh layers computed in NumPy from get_parameters (not a constant)."""
    agent = coagent.Agent("pendulum", seed=1, mode="lockstep", hidden=[16, 16]).learn(3000)
    p = agent.get_parameters()
    low, high = agent.observation_space.low.astype(np.float64), agent.observation_space.high.astype(np.float64)
    rng = np.random.default_rng(0)
    obs = rng.uniform(low, high, size=(50, 3))
    v = ((obs - (low + high) / 2) / ((high - low) / 2)).astype(np.float32)
    for layer in (1, 2, 3):
        v = np.tanh(v @ p[f"layer{layer}.K"].astype(np.float32).T + p[f"layer{layer}.b"].astype(np.float32))
    expected = -2.0 + (np.clip(v, -1, 1) + 1) / 2 * 4.0
    actions, _ = agent.predict(obs)
    assert actions.shape == (50, 1) and actions.dtype == np.float32
    np.testing.assert_allclose(actions, expected, atol=1e-4)
    assert np.ptp(actions) > 0.01  # the actions vary with the observation
    one, state = agent.predict(obs[7], state="kept")
    assert one.shape == (1,) and state == "kept" and one[0] == actions[7, 0]


def test_predict_refuses_bad_input():
    agent = coagent.Agent("pendulum", seed=1, mode="lockstep")
    obs, _ = coagent.make("pendulum").reset(seed=1)
    with pytest.raises(ValueError, match=r"shape \(3,\) or \(batch,\) \+ \(3,\), got \(4,\)"):
        agent.predict(np.zeros(4))
    with pytest.raises(ValueError, match=r"got \(1, 3, 1\)"):
        agent.predict(np.zeros((1, 3, 1)))
    with pytest.raises(ValueError, match="deterministic"):
        agent.predict(obs, deterministic=False)
    with pytest.raises(ValueError, match="not finite"):
        agent.predict(np.array([np.nan, 0.0, 0.0]))
    assert agent.predict(np.zeros((1, 3)))[0].shape == (1, 1)  # a batch of one stays a batch


def test_parameters_carry_the_running_observation_statistics():
    """With obs_norm='running' the statistics are parameters too (obs.count, obs.mean,
    obs.m2): copied to another agent, its greedy actions are the same; bad values are refused
    by name and leave the agent as it was."""
    agent = coagent.Agent("pendulum", preset="pendulum", seed=2, obs_norm="running", mode="lockstep").learn(2000)
    digest, params = agent.digest, agent.get_parameters()
    assert params["obs.count"].tolist() == [2000 + 10 + 1]  # every step and every reset, 200-step episodes
    assert params["obs.mean"].shape == params["obs.m2"].shape == (3,)
    agent.set_parameters(params)
    assert agent.digest == digest
    other = coagent.Agent("pendulum", preset="pendulum", seed=9, obs_norm="running", mode="lockstep")
    other.set_parameters(params)
    obs = np.random.default_rng(1).uniform(-1, 1, size=(20, 3))
    np.testing.assert_array_equal(other.predict(obs)[0], agent.predict(obs)[0])
    for name, bad, words in [("obs.m2", np.array([1.0, -1.0, 1.0]), "finite and >= 0"),
                             ("obs.count", np.array([2.5]), "whole count"),
                             ("obs.mean", np.array([np.nan, 0, 0]), "not finite")]:
        with pytest.raises(ValueError, match=words):
            agent.set_parameters({name: bad}, exact_match=False)
    assert agent.digest == digest


def test_parameters_round_trip_the_digest():
    agent = coagent.Agent("pendulum", preset="pendulum", seed=2, mode="lockstep").learn(2000)
    digest, params = agent.digest, agent.get_parameters()
    agent.set_parameters(params)
    assert agent.digest == digest
    other = coagent.Agent("pendulum", preset="pendulum", seed=9, mode="lockstep")
    obs = np.random.default_rng(1).uniform(-1, 1, size=(20, 3))
    assert not np.array_equal(other.predict(obs)[0], agent.predict(obs)[0])
    other.set_parameters(params)
    np.testing.assert_array_equal(other.predict(obs)[0], agent.predict(obs)[0])
    changed = dict(params)
    changed["layer1.b"] = params["layer1.b"] + 0.5
    agent.set_parameters(changed)
    assert agent.digest != digest
    with pytest.raises(ValueError, match="must have shape \\(64\\)"):
        agent.set_parameters({"layer1.b": np.zeros(3)}, exact_match=False)
    with pytest.raises(ValueError, match="unknown parameter 'layer9.K'"):
        agent.set_parameters({"layer9.K": np.zeros(3)}, exact_match=False)
    with pytest.raises(ValueError, match="not a finite float"):
        agent.set_parameters({"layer1.b": np.full(64, np.nan)}, exact_match=False)
    with pytest.raises(ValueError, match="missing"):
        agent.set_parameters({"layer1.b": params["layer1.b"]})
    ddpg = coagent.Agent("pendulum", algo="ddpg", seed=1)
    with pytest.raises(ValueError, match="algo='ddpg' has no named parameters"):
        ddpg.get_parameters()
    with pytest.raises(ValueError, match="algo ddpg has no named parameters to set"):
        ddpg.set_parameters({"layer1.b": params["layer1.b"]}, exact_match=False)


def test_float32_environment_that_checks_its_actions_trains():
    """Bug: actions reached Python environments as float64 whatever the space's dtype."""

    class Strict(Forwarding):
        def step(self, action):
            assert self.action_space.contains(action), (action, getattr(action, "dtype", None))
            return super().step(action)

    env = Strict("pendulum", action_dtype=np.float32)
    agent = coagent.Agent(env, seed=1, hidden=[8], mode="lockstep").learn(2000)
    assert agent.steps_done == 2000 and env.steps == 2000
    assert all(a.dtype == np.float32 for a in env.actions_seen)


@pytest.mark.parametrize("mode", ["lockstep", "async"])
def test_ctrl_c_stops_with_the_state_intact(tmp_path, mode):
    agent = coagent.Agent(Forwarding("mountaincar"), preset="mountaincar", seed=1, mode=mode)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            agent.learn(10_000_000)
    finally:
        timer.cancel()
    done = agent.steps_done
    assert 0 < done < 10_000_000
    agent.save(tmp_path / "stopped.ckpt")
    assert coagent.Agent.load(tmp_path / "stopped.ckpt", env=Forwarding("mountaincar")).digest == agent.digest
    agent.learn(100)
    assert agent.steps_done == done + 100
    # Python's own handler is back at the C level: SIGINT raises KeyboardInterrupt here
    # (with coagent's handler left installed it would only set a flag).
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100):
            time.sleep(0.01)


def test_progress_bar(capsys):
    coagent.Agent("chain", seed=1, mode="lockstep").learn(2000, progress_bar=True)
    err = capsys.readouterr().err
    assert "2000/2000 steps" in err


def test_ddpg_and_envs_in_flight():
    agent = coagent.Agent("pendulum", algo="ddpg", seed=1, ddpg_actor_hidden=[16, 16],
                          ddpg_critic_hidden=[16, 16], ddpg_learning_starts=100)
    agent.learn(400)
    assert agent.algo == "ddpg" and agent.steps_done == 400
    assert agent.settings["ddpg-actor-hidden"] == "16,16"
    many = coagent.Agent(lambda: Forwarding("chain"), seed=1, envs=4, steps=2000).learn()
    assert many.steps_done == 2000 and many.n_envs == 4 and many.env_name == "coagent/chain-v0"


def test_ars_learns_saves_and_steps_python_envs_in_parallel(tmp_path, cli):
    """ARS with RL Zoo's MountainCar settings (the environment's defaults) solves it; its
    checkpoint evaluates in the CLI; through Python environments (one per rollout, stepped
    from parallel tasks) the run is the built-in one bit for bit."""
    agent = coagent.Agent("mountaincar", algo="ars", seed=1, threads=2)
    assert agent.settings["ars-noise"] == "0.2" and agent.settings["steps"] == "500000"
    agent.learn(150000)
    assert agent.algo == "ars" and agent.steps_done >= 150000
    assert agent.shape == [2, 16, 1]
    path = tmp_path / "ars.ckpt"
    agent.save(path)
    assert cli.json("eval", "--load", path, "--json", "--episodes", 20)["solved"] is True
    assert coagent.Agent.load(path).digest == agent.digest

    direct = coagent.Agent("mountaincar", algo="ars", seed=2, threads=1).learn(12000)
    via = coagent.Agent(lambda: Forwarding("mountaincar"), algo="ars", seed=2, threads=2,
                        ars_noise=0.2).learn(12000)
    assert via.digest == direct.digest
    with pytest.raises(ValueError, match="algo='ars' needs a callable"):
        coagent.Agent(Forwarding("mountaincar"), algo="ars")
    with pytest.raises(ValueError, match="needs algo='ars'"):
        coagent.Agent("mountaincar", ars_top=2)
    with pytest.raises(ValueError, match="not to algo='ars'"):
        coagent.Agent("mountaincar", algo="ars", rule="perturb")
    with pytest.raises(ValueError, match="ars top: 9"):
        coagent.Agent("mountaincar", algo="ars", ars_top=9)


def test_learn_releases_the_gil():
    """Another Python thread runs while the C++ learner trains: with the GIL held for
    the whole chunk it could not run at all between two chunk boundaries."""
    ticks = []
    done = threading.Event()
    agent = coagent.Agent("mountaincar", preset="mountaincar", seed=1, mode="lockstep")

    def count():
        while not done.is_set():
            ticks.append(agent._learner.__class__)  # touches Python objects: needs the GIL
            time.sleep(0)

    t = threading.Thread(target=count)
    t.start()
    try:
        start = len(ticks)
        agent._learner.train_until(100000)  # one chunk, no Python in between
        during = len(ticks) - start
    finally:
        done.set()
        t.join()
    assert during > 1000, during


def test_other_threads_get_busy_while_training():
    agent = coagent.Agent("mountaincar", preset="mountaincar", seed=1, mode="lockstep")
    errors = []
    started = threading.Event()

    def poke():
        started.wait()
        time.sleep(0.05)
        try:
            agent.digest
        except RuntimeError as e:
            errors.append(str(e))

    t = threading.Thread(target=poke)
    t.start()
    started.set()
    agent._learner.train_until(300000)
    t.join()
    assert errors and "busy" in errors[0]
