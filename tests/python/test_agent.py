"""coagent.Agent: the exact callback path, checkpoints shared with the CLI, learning
through Python, callbacks, Ctrl-C, predict."""
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
        assert env.steps >= 4000
        assert via.digest == direct.digest, mode
    # (An opaque Python environment is not compared: its bounds come from its float32
    # Box, -0.07 rounded, so the observation encoder differs in the last bits.)


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
    assert agent.num_timesteps == 3000 and agent.env_name == "mountaincar"
    assert agent.evaluate(3, seed=9) == cli.json("eval", "--load", path, "--json", "--episodes", 3, "--seed", 9)
    # Resume in Python equals an uninterrupted run.
    full = coagent.Agent("mountaincar", preset="mountaincar", seed=4, mode="lockstep").learn(5000)
    agent.learn(2000)
    assert agent.digest == full.digest


def test_mountaincar_preset_learns_through_python(forwarding):
    """The preset's budget on a Python environment, against the untrained network."""
    env = forwarding("mountaincar", expose_unwrapped=False)
    agent = coagent.Agent(env, preset="mountaincar", seed=1)
    before = agent.evaluate(20)
    agent.learn()
    after = agent.evaluate(100)
    assert agent.num_timesteps == 200000
    assert not before["solved"] and before["mean_return"] < 50
    assert after["solved"] and after["mean_return"] >= 90, after


def test_callback_keys_and_stop():
    seen = []

    def cb(info):
        seen.append(info)
        return info["time/total_timesteps"] < 3000

    agent = coagent.Agent("mountaincar", preset="mountaincar", seed=1, mode="lockstep")
    agent.learn(20000, callback=cb, log_interval=1000)
    assert 3000 <= agent.num_timesteps < 20000
    last = seen[-1]
    for key in ["time/total_timesteps", "time/fps", "time/episodes", "time/time_elapsed",
                "rollout/ep_rew_mean", "rollout/ep_len_mean", "train/layers", "train/new_episodes"]:
        assert key in last, key
    assert [l["layer"] for l in last["train/layers"]] == [1, 2, 3]
    assert sum(len(i["train/new_episodes"]) for i in seen) == agent.episodes
    stopped_at = agent.num_timesteps
    agent.learn(1000)  # goes on after a stop, the whole 1000 steps
    assert agent.num_timesteps == stopped_at + 1000
    last_call = coagent.Agent("chain", seed=1, mode="lockstep").learn(2000, callback=lambda i: False)
    last_call.learn(500)
    assert last_call.num_timesteps == 1500  # stopped at its first report (step 1000), then 500 more


def test_callback_exception_propagates():
    class Boom(Exception):
        pass

    def cb(info):
        raise Boom("from the callback")

    agent = coagent.Agent("pendulum", seed=1)
    with pytest.raises(Boom, match="from the callback"):
        agent.learn(50000, callback=cb)
    assert agent.num_timesteps < 50000
    agent.learn(500)


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
    done = agent.num_timesteps
    assert 0 < done < 10_000_000
    agent.save(tmp_path / "stopped.ckpt")
    assert coagent.Agent.load(tmp_path / "stopped.ckpt", env=Forwarding("mountaincar")).digest == agent.digest
    agent.learn(100)
    assert agent.num_timesteps == done + 100
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Python's handler is back


def test_progress_bar(capsys):
    coagent.Agent("chain", seed=1, mode="lockstep").learn(2000, progress_bar=True)
    err = capsys.readouterr().err
    assert "2000/2000 steps" in err


def test_predict():
    agent = coagent.Agent("pendulum", seed=1, mode="lockstep").learn(500)
    obs, _ = coagent.make("pendulum").reset(seed=1)
    action, state = agent.predict(obs)
    assert state is None and action.shape == (1,) and action.dtype == np.float32
    assert -2.0 <= action[0] <= 2.0
    batch, _ = agent.predict(np.stack([obs, obs, -obs]))
    assert batch.shape == (3, 1) and batch[0, 0] == batch[1, 0] == action[0]
    with pytest.raises(ValueError, match="3 values"):
        agent.predict(np.zeros(4))
    with pytest.raises(ValueError, match="deterministic"):
        agent.predict(obs, deterministic=False)
    with pytest.raises(ValueError, match="not finite"):
        agent.predict(np.array([np.nan, 0.0, 0.0]))


def test_ddpg_and_envs_in_flight():
    agent = coagent.Agent("pendulum", algo="ddpg", seed=1, ddpg_actor_hidden=[16, 16],
                          ddpg_critic_hidden=[16, 16], ddpg_learning_starts=100)
    agent.learn(400)
    assert agent.algo == "ddpg" and agent.num_timesteps == 400
    assert agent.settings["ddpg-actor-hidden"] == "16,16"
    many = coagent.Agent(lambda: Forwarding("chain"), seed=1, envs=4, steps=2000).learn()
    assert many.num_timesteps == 2000 and many.env_name == "coagent/chain-v0"


def test_ars_learns_saves_and_steps_python_envs_in_parallel(tmp_path, cli):
    """ARS with RL Zoo's MountainCar settings (the environment's defaults) solves it; its
    checkpoint evaluates in the CLI; through Python environments (one per rollout, stepped
    from parallel tasks) the run is the built-in one bit for bit."""
    agent = coagent.Agent("mountaincar", algo="ars", seed=1, threads=2)
    assert agent.settings["ars-noise"] == "0.2" and agent.settings["steps"] == "500000"
    agent.learn(150000)
    assert agent.algo == "ars" and agent.num_timesteps >= 150000
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
    """Other Python threads run while the C++ learner trains."""
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=count)
    agent = coagent.Agent("mountaincar", preset="mountaincar", seed=1, mode="lockstep")
    t.start()
    try:
        agent.learn(100000)
    finally:
        done.set()
        t.join()
    assert len(ticks) > 20


def test_one_call_at_a_time():
    agent = coagent.Agent("mountaincar", preset="mountaincar", seed=1, mode="lockstep")
    seen = []

    def cb(info):
        with pytest.raises(RuntimeError, match="busy"):
            agent.digest
        seen.append(True)

    agent.learn(2000, callback=cb)
    assert seen and agent.num_timesteps == 2000
