"""coagent.Agent as a Stable-Baselines3 user drives it: learn's signature, callbacks of
SB3's shape and SB3's own (EvalCallback, CheckpointCallback,
StopTrainingOnRewardThreshold), evaluate_policy, the logger, vector envs, spaces."""
import inspect
import json
import os

import gymnasium
import numpy as np
import pytest
from stable_baselines3.common.callbacks import (CallbackList, CheckpointCallback, EvalCallback,
                                                StopTrainingOnRewardThreshold)
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import DummyVecEnv

import coagent
from conftest import Forwarding


def test_learn_has_sb3s_signature():
    """Bug: learn(n, cb, 100) turned the progress bar on and ignored the interval."""
    params = list(inspect.signature(coagent.Agent.learn).parameters)
    assert params == ["self", "total_timesteps", "callback", "log_interval", "tb_log_name",
                      "reset_num_timesteps", "progress_bar"]
    for name in ("seed",):
        assert inspect.signature(coagent.Agent).parameters[name].default is None


def test_positional_log_interval(capsys):
    agent = coagent.Agent("chain", seed=1, mode="lockstep", verbose=1)
    agent.learn(3000, None, 5)
    out, err = capsys.readouterr()
    assert "3000/3000 steps" not in err  # no progress bar
    dumps = out.count("time/total_timesteps")
    # chain episodes last at most 500 steps: at least 6 in 3000 steps; a dump every 5th
    # finished episode (checked at step boundaries) and one at the end.
    assert 2 <= dumps <= agent.episodes // 5 + 1, (dumps, agent.episodes)


class Recorder(coagent.BaseCallback):
    def __init__(self, stop_at=None):
        super().__init__()
        self.stop_at, self.events, self.seen = stop_at, [], []

    def _on_training_start(self):
        self.events.append(("start", self.num_timesteps))

    def _on_step(self):
        self.seen.append((self.n_calls, self.num_timesteps, self.model.num_timesteps,
                          bool(self.locals["dones"].any())))
        return self.stop_at is None or self.num_timesteps < self.stop_at

    def _on_training_end(self):
        self.events.append(("end", self.num_timesteps))


def test_coagent_callback_protocol():
    cb = Recorder()
    agent = coagent.Agent("mountaincar", preset="mountaincar", seed=1, mode="lockstep")
    agent.learn(2500, callback=cb)
    assert cb.model is agent and cb.events == [("start", 0), ("end", 2500)]
    assert [s[0] for s in cb.seen] == list(range(1, 2501))
    assert all(n == t == m for n, t, m, _ in cb.seen)
    assert cb.seen[-1][1] == 2500
    assert sum(d for *_, d in cb.seen) == agent.episodes  # every finished episode marked done
    assert {"self", "total_timesteps", "dones", "infos", "new_episodes"} <= set(cb.locals)


def test_callback_stops_at_its_step_and_training_goes_on():
    cb = Recorder(stop_at=1234)
    agent = coagent.Agent("pendulum", seed=1, mode="lockstep")
    agent.learn(5000, callback=cb)
    assert agent.steps_done == 1234 and cb.seen[-1][1] == 1234
    agent.learn(1000)
    assert agent.steps_done == 2234
    # Stopping and going on is the uninterrupted run.
    assert coagent.Agent("pendulum", seed=1, mode="lockstep").learn(2234).digest == agent.digest


def test_a_list_of_coagent_callbacks_stops_when_one_says_so():
    first, second = Recorder(), Recorder(stop_at=500)
    agent = coagent.Agent("pendulum", seed=1, mode="lockstep")
    agent.learn(3000, callback=[first, second])
    assert agent.steps_done == 500
    assert first.seen[-1][1] == second.seen[-1][1] == 500  # every callback saw every step
    assert first.events == second.events == [("start", 0), ("end", 500)]


def test_logger_adds_a_column_for_a_key_first_recorded_later(tmp_path):
    log = coagent.logger.configure(str(tmp_path), ["csv", "json"])
    log.record("a", 1)
    log.dump(1)
    log.record("a", 2)
    log.record("b", 3.5)
    log.dump(2)
    log.close()
    lines = open(tmp_path / "progress.csv").read().splitlines()
    assert lines == ["a,b", "1,", "2,3.5"]
    assert [json.loads(l) for l in open(tmp_path / "progress.json")] == [{"a": 1}, {"a": 2, "b": 3.5}]
    with pytest.raises(ValueError, match="unknown logger format 'xml'"):
        coagent.logger.configure(str(tmp_path), ["xml"])


def test_function_callback_and_many_environments():
    calls = []

    def fn(locals_, globals_):
        calls.append(locals_["self"].num_timesteps)

    agent = coagent.Agent(lambda: Forwarding("chain"), seed=1, envs=4, mode="lockstep")
    agent.learn(2000, callback=fn)
    assert calls == list(range(4, 2001, 4))  # once per step of the 4 environments


def test_callback_exception_propagates():
    class Boom(Exception):
        pass

    def cb(locals_, globals_):
        if locals_["self"].num_timesteps >= 700:
            raise Boom("from the callback")

    agent = coagent.Agent("pendulum", seed=1)
    with pytest.raises(Boom, match="from the callback"):
        agent.learn(50000, callback=cb)
    assert agent.steps_done == 700
    agent.learn(500)
    assert agent.steps_done == 1200


def test_predict_save_and_evaluate_inside_a_callback(tmp_path):
    """At a callback the learner stands still: predict, save and evaluate see that step."""
    obs = coagent.make("pendulum").reset(seed=3)[0]
    seen = {}

    class Snapshot(coagent.BaseCallback):
        def _on_step(self):
            if self.num_timesteps == 1500:
                seen["action"] = self.model.predict(obs)[0]
                seen["eval"] = self.model.evaluate(2, seed=4)
                seen["digest"] = self.model.digest
                self.model.save(tmp_path / "at1500.ckpt")
            return True

    agent = coagent.Agent("pendulum", preset="pendulum", seed=1, mode="lockstep")
    agent.learn(3000, callback=Snapshot())
    at = coagent.Agent.load(tmp_path / "at1500.ckpt")
    assert at.steps_done == 1500 and at.digest == seen["digest"]
    ref = coagent.Agent("pendulum", preset="pendulum", seed=1, mode="lockstep").learn(1500)
    assert ref.digest == seen["digest"]
    np.testing.assert_array_equal(ref.predict(obs)[0], seen["action"])
    assert ref.evaluate(2, seed=4) == seen["eval"]


def test_sb3_eval_and_checkpoint_callbacks(tmp_path, cli):
    eval_env = gymnasium.make("Pendulum-v1")
    stop = StopTrainingOnRewardThreshold(reward_threshold=1e9)  # never reached
    evaluate = EvalCallback(eval_env, eval_freq=1000, n_eval_episodes=2, callback_on_new_best=stop,
                            best_model_save_path=str(tmp_path / "best"), log_path=str(tmp_path / "evals"),
                            verbose=0)
    checkpoint = CheckpointCallback(save_freq=1500, save_path=str(tmp_path / "ckpts"), name_prefix="pend")
    agent = coagent.Agent("Pendulum-v1", preset="pendulum", seed=1, mode="lockstep")
    agent.learn(4500, callback=[evaluate, checkpoint])
    assert agent.steps_done == 4500
    assert list(np.load(tmp_path / "evals" / "evaluations.npz")["timesteps"]) == [1000, 2000, 3000, 4000]
    assert os.path.isfile(tmp_path / "best" / "best_model")
    files = sorted(os.listdir(tmp_path / "ckpts"))
    assert files == ["pend_1500_steps.zip", "pend_3000_steps.zip", "pend_4500_steps.zip"]
    # Each checkpoint is the agent at that step: coagent eval and inspect read it.
    ref = coagent.Agent("Pendulum-v1", preset="pendulum", seed=1, mode="lockstep").learn(3000)
    path = tmp_path / "ckpts" / "pend_3000_steps.zip"
    assert cli.json("inspect", path, "--json")["digest"] == ref.digest
    assert cli.json("eval", "--load", path, "--json", "--episodes", 2)["mean_return"] == ref.evaluate(2)["mean_return"]


def test_stop_on_reward_threshold_through_eval_callback():
    stop = StopTrainingOnRewardThreshold(reward_threshold=-1e9)  # the first evaluation meets it
    evaluate = EvalCallback(gymnasium.make("Pendulum-v1"), eval_freq=700, n_eval_episodes=1,
                            callback_on_new_best=stop, verbose=0)
    agent = coagent.Agent("Pendulum-v1", seed=1, mode="lockstep")
    agent.learn(10000, callback=CallbackList([evaluate]))
    assert agent.steps_done == 700


def test_evaluate_policy_is_sb3s_on_our_agent():
    agent = coagent.Agent("pendulum", preset="pendulum", seed=1, mode="lockstep").learn(3000)
    env = DummyVecEnv([lambda: coagent.make("Pendulum-v1")])
    env.seed(1000001)
    mean, std = evaluate_policy(agent, env, n_eval_episodes=3)
    # The same episodes by coagent's evaluation (seeded as reset(seed) then reset()).
    ours = agent.evaluate(3, seed=1000001)
    assert mean == pytest.approx(ours["mean_return"], rel=1e-4)
    assert std == pytest.approx(ours["std_return"], rel=1e-2, abs=1e-2)


def test_logger_csv_json_and_tensorboard(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    agent = coagent.Agent("mountaincar", preset="mountaincar", seed=1, mode="lockstep",
                          tensorboard_log=str(tmp_path / "tb"))
    agent.set_logger(coagent.logger.configure(str(tmp_path / "log"), ["csv", "json"]))
    agent.learn(5000, log_interval=1)
    rows = [json.loads(line) for line in open(tmp_path / "log" / "progress.json")]
    counts = [r["time/total_timesteps"] for r in rows]
    assert len(rows) >= 3 and counts == sorted(counts)
    last = rows[-1]
    for key in ["time/total_timesteps", "time/fps", "time/episodes", "rollout/ep_rew_mean",
                "rollout/ep_len_mean", "train/layer1/mean_abs_td", "train/layer3/weight_norm",
                "train/layer2/exploration_scale"]:
        assert key in last, key
    assert last["time/total_timesteps"] == 5000
    header = open(tmp_path / "log" / "progress.csv").readline().strip().split(",")
    assert "rollout/ep_rew_mean" in header and "train/layer1/updates" in header
    # The TensorBoard run of a second agent that keeps the default logger.
    tb = coagent.Agent("chain", seed=1, tensorboard_log=str(tmp_path / "tb"))
    tb.learn(3000, tb_log_name="chainrun")
    tb.learn(1000, tb_log_name="chainrun")
    assert sorted(os.listdir(tmp_path / "tb")) == ["chainrun_1", "chainrun_2"]
    acc = EventAccumulator(str(tmp_path / "tb" / "chainrun_1"))
    acc.Reload()
    steps = [e.step for e in acc.Scalars("time/total_timesteps")]
    assert steps[-1] == 3000 and "rollout/ep_rew_mean" in acc.Tags()["scalars"]


class Counting(gymnasium.Wrapper):
    """A gymnasium wrapper that counts the steps it forwards and keeps the reset seeds."""

    def __init__(self, env):
        super().__init__(env)
        self.steps, self.seeds = 0, []

    def reset(self, *, seed=None, options=None):
        self.seeds.append(seed)
        return self.env.reset(seed=seed, options=options)

    def step(self, action):
        self.steps += 1
        return self.env.step(action)


def test_gymnasium_sync_vector_env_with_four_envs():
    vec = gymnasium.vector.SyncVectorEnv([lambda: Counting(coagent.make("chain")) for _ in range(4)])
    agent = coagent.Agent(vec, seed=1, mode="lockstep", hidden=[8])
    assert agent.n_envs == 4 and agent.get_env() is vec
    agent.learn(2000)
    assert agent.steps_done == 2000 and [e.steps for e in vec.envs] == [500] * 4
    # Sub-environment i is the run's environment i (seeded seed + i), in the vector's order.
    assert [e.seeds[0] for e in vec.envs] == [1, 2, 3, 4]
    ref = coagent.Agent(lambda: Forwarding("chain"), seed=1, envs=4, mode="lockstep", hidden=[8]).learn(2000)
    assert agent.digest == ref.digest
    with pytest.raises(ValueError, match="envs=2 but the vector env has 4"):
        coagent.Agent(vec, envs=2)


def test_sb3_dummy_vec_env_and_gymnasiums_own_pendulum():
    vec = DummyVecEnv([lambda: gymnasium.make("Pendulum-v1") for _ in range(2)])
    agent = coagent.Agent(vec, seed=1, hidden=[8], mode="lockstep").learn(1000)
    assert agent.n_envs == 2 and agent.steps_done == 1000
    assert agent.evaluate(1)["episodes"] == 1


def test_get_env_set_env_and_spaces():
    agent = coagent.Agent("Pendulum-v1", seed=1, mode="lockstep").learn(500)
    assert agent.observation_space == coagent.make("Pendulum-v1").observation_space
    assert agent.action_space == coagent.make("Pendulum-v1").action_space
    training = agent.get_env()
    assert training.num_envs == 1  # a DummyVecEnv once SB3 is imported
    digest = agent.digest
    env = Forwarding("pendulum")
    agent.set_env(env)
    assert agent.digest == digest and agent.get_env() is env  # not a gymnasium.Env: not wrapped
    agent.learn(500)
    assert env.steps == 500
    assert agent.digest == coagent.Agent("Pendulum-v1", seed=1, mode="lockstep").learn(1000).digest
    with pytest.raises(ValueError, match="set_env: observation_space differs"):
        agent.set_env(Forwarding("mountaincar"))


def test_seed_none_draws_a_seed():
    a, b = coagent.Agent("chain"), coagent.Agent("chain")
    assert a.seed != b.seed
    again = coagent.Agent("chain", seed=a.seed).learn(1000)
    assert again.digest == a.learn(1000).digest


@pytest.mark.parametrize("space", [gymnasium.spaces.Discrete(3),
                                   gymnasium.spaces.Dict({"x": gymnasium.spaces.Box(-1, 1, (2,))}),
                                   gymnasium.spaces.MultiBinary(2)])
def test_unsupported_spaces_are_named(space):
    class Env(gymnasium.Env):
        observation_space = gymnasium.spaces.Box(-1, 1, (2,), dtype=np.float32)
        action_space = space

        def reset(self, *, seed=None, options=None):
            return np.zeros(2, dtype=np.float32), {}

        def step(self, action):
            return np.zeros(2, dtype=np.float32), 0.0, False, False, {}

    with pytest.raises(ValueError, match="coagent supports Box observation spaces and Box action spaces"):
        coagent.Agent(Env())
    env = Env()
    env.observation_space, env.action_space = space, gymnasium.spaces.Box(-1, 1, (1,), dtype=np.float32)
    with pytest.raises(ValueError, match=r"observation_space is .*coagent supports Box"):
        coagent.Agent(env)
