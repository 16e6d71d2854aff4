"""Gymnasium's MuJoCo v5 tasks in C++ (src/envs/mujoco/) against gymnasium.make(id), bit
for bit: from the same states and the same actions, our observation, reward, terminated,
truncated and every info term equal Gymnasium's exactly (==, no tolerance), step after
step along whole episodes. MuJoCo is part of the suite (tools/test installs the `mujoco`
extra), so nothing here skips.

How the two are put in the same state. Our reset noise comes from coagent's own stream,
not NumPy's, so both environments are reset (mj_resetData: the solver's warm start, time
and the contact forces zeroed alike) and then given the same qpos, qvel with set_state,
as Gymnasium's MujocoEnv has it. From there on nothing is resynchronised: each episode
runs to its end on both, so one differing bit anywhere would show in every later step.

The states: (1) our reset states, then episodes under four policies (uniform actions in
1.5x the bounds, a third out of range; sticky bang-bang actions; gentle ones that keep Ant
and the walkers up longer; `wild` ones with components of 1e3 and 1e20, whose squares
overflow float32, so the control cost is inf in both; a quarter of their steps); (2) states Gymnasium's own
rollouts reach (its NumPy reset noise, its own dynamics), through falls and past the
termination, where the bodies lie on the floor in contact, continued 25 steps each.

Actions are float32, the dtype of Gymnasium's action space; Gymnasium computes the
control cost in the action's dtype (float32 under NumPy 2) and coagent rounds every
action to float32 first, so a float64 action given to us equals its float32 rounding
given to Gymnasium (checked on half the episodes).

What the exactness rests on (src/envs/mujoco/numpy_math.hpp): the same libmujoco (the
wheel's, which this build links); NumPy's pairwise summation for np.sum; np.linalg.norm
computed as OpenBLAS's ddot does on CPUs with FMA (s = fma(x, x, s)), which would differ
in the last bit on a CPU without FMA; `x ** 2` on np.float64 as libm's pow; glibc's sin
and cos, which NumPy 2.4's float64 np.sin/np.cos call here.

Timing: about a minute on 2 cores (`pytest --durations=0` prints each task's).
"""
import math
import os
import subprocess
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import coagent

TASKS = list(coagent.envs.MUJOCO_TASKS)
CAN_TERMINATE = {"InvertedPendulum-v5", "InvertedDoublePendulum-v5", "Hopper-v5", "Walker2d-v5", "Ant-v5"}
IN_CONTACT = {"Hopper-v5", "Walker2d-v5", "HalfCheetah-v5", "Ant-v5"}  # feet on the floor
POLICIES = ("uniform", "sticky", "gentle", "wild")
STEPS_PER_TASK = 5000  # from our reset states; Gymnasium's states add 20 x 25


class Policy:
    """float32 actions of one kind, seeded."""

    def __init__(self, kind, seed, high):
        self.kind, self.rng, self.high, self.held = kind, np.random.default_rng(seed), high, None

    def __call__(self):
        rng, h = self.rng, self.high
        if self.kind == "sticky":
            if self.held is None or rng.random() < 0.1:
                self.held = np.sign(rng.uniform(-1, 1, size=h.shape)) * h * rng.uniform(0.5, 1.5, size=h.shape)
            a = self.held
        elif self.kind == "gentle":
            a = rng.normal(0.0, 0.1, size=h.shape) * h
        else:
            a = rng.uniform(-1.5 * h, 1.5 * h)
            if self.kind == "wild" and rng.random() < 0.25:
                a[rng.integers(h.size)] = rng.choice([1e3, -1e3, 1e20, -1e20, 0.0])
        return a


class Tally:
    def __init__(self):
        self.steps = self.out_of_range = self.terminated = self.truncated = self.ncon = 0
        self.infinite_cost = self.huge = 0


def _reset(envs, seed):
    for env in envs:
        env.reset(seed=seed)


def _set_state(envs, qpos, qvel):
    for env in envs:
        env.unwrapped.set_state(np.array(qpos, dtype=np.float64), np.array(qvel, dtype=np.float64))


def _step_both(ours, theirs, action, tally, where, float64_to_ours=False):
    """One step of both with the same action; everything equal, bit for bit."""
    a32 = np.asarray(action, dtype=np.float32)
    mine = ours.step(np.asarray(action, dtype=np.float64) if float64_to_ours else a32)
    with np.errstate(over="ignore"):  # the wild actions' squares overflow float32 (to inf)
        gyms = theirs.step(a32)
    obs, reward, terminated, truncated, info = mine
    g_obs, g_reward, g_terminated, g_truncated, g_info = gyms
    assert obs.dtype == g_obs.dtype == np.float64 and obs.shape == g_obs.shape, where
    bad = np.flatnonzero(obs != g_obs)
    assert bad.size == 0, f"{where}: obs[{bad}] {obs[bad]!r} != {g_obs[bad]!r}"
    assert reward == g_reward or (math.isnan(reward) and math.isnan(g_reward)), \
        f"{where}: reward {reward!r} != {g_reward!r}"
    assert (terminated, truncated) == (bool(g_terminated), bool(g_truncated)), where
    assert list(info) == list(g_info), f"{where}: info keys {list(info)} != {list(g_info)}"
    for k in info:
        assert info[k] == g_info[k], f"{where}: info[{k!r}] {info[k]!r} != {g_info[k]!r}"
    tally.steps += 1
    tally.out_of_range += bool(np.any(np.abs(a32) > ours.action_space.high))
    tally.terminated += terminated
    tally.truncated += truncated
    tally.ncon = max(tally.ncon, int(theirs.unwrapped.data.ncon))
    tally.infinite_cost += bool(np.isinf(reward))
    tally.huge += bool(np.any(np.abs(a32) >= 1e20))
    return terminated or truncated


def _from_our_resets(task, tally):
    ours, theirs = coagent.make(task), gym.make(task)
    seed = 0
    while tally.steps < STEPS_PER_TASK:
        _reset([ours, theirs], seed)
        state = ours.unwrapped.state_vector()
        nq = theirs.unwrapped.model.nq
        _set_state([theirs], state[:nq], state[nq:])
        policy = Policy(POLICIES[seed % len(POLICIES)], seed, ours.action_space.high)
        for t in range(ours.spec.max_episode_steps):
            if _step_both(ours, theirs, policy(), tally, f"{task} seed {seed} ({policy.kind}) step {t + 1}",
                          float64_to_ours=seed % 2 == 1):
                break
        seed += 1


def _gymnasium_states(task, count=20):
    """States Gymnasium's own rollouts reach: every 7th step, the termination and the
    bodies lying down after it (stepping on past `terminated`)."""
    env = gym.make(task).unwrapped
    states = []
    for seed in range(count):
        env.reset(seed=100 + seed)
        policy = Policy(POLICIES[seed % 3], 100 + seed, env.action_space.high)
        stop = None
        for t in range(300):
            _, _, terminated, _, _ = env.step(policy().astype(np.float32))
            if terminated and stop is None:
                stop = t + 20
            if t % 7 == 3 or terminated:
                states.append((env.data.qpos.copy(), env.data.qvel.copy()))
            if stop is not None and t >= stop:
                break
    rng = np.random.default_rng(7)
    return [states[i] for i in rng.choice(len(states), size=min(count, len(states)), replace=False)]


def _from_gymnasium_states(task, tally):
    ours, theirs = coagent.make(task), gym.make(task)
    for i, (qpos, qvel) in enumerate(_gymnasium_states(task)):
        _reset([ours, theirs], i)
        _set_state([ours, theirs], qpos, qvel)
        policy = Policy(POLICIES[i % len(POLICIES)], 1000 + i, ours.action_space.high)
        for t in range(25):  # on past termination: the bodies on the floor
            _step_both(ours, theirs, policy(), tally, f"{task} Gymnasium state {i} step {t + 1}")
            if t + 1 >= ours.spec.max_episode_steps:
                break


@pytest.mark.parametrize("task", TASKS)
def test_bit_for_bit_against_gymnasium(task):
    tally = Tally()
    _from_our_resets(task, tally)
    _from_gymnasium_states(task, tally)
    print(f"{task}: {tally.steps} steps bit for bit, {tally.out_of_range} with out-of-range actions, "
          f"{tally.terminated} terminated, {tally.truncated} truncated, up to {tally.ncon} contacts, "
          f"{tally.infinite_cost} with an infinite control cost")
    assert tally.out_of_range > tally.steps // 10 and tally.huge > 0
    if task not in ("InvertedPendulum-v5", "InvertedDoublePendulum-v5"):  # no control cost there
        assert tally.infinite_cost > 0
    if task in CAN_TERMINATE:
        assert tally.terminated >= 5
    if task not in CAN_TERMINATE or task == "Ant-v5":  # Ant's gentle episodes last 1000 steps
        assert tally.truncated >= 1
    if task in IN_CONTACT:
        assert tally.ncon >= 2


def test_every_task_is_built():
    """MuJoCo is part of the suite: every task is there (a build without MuJoCo fails here)."""
    assert all(t in coagent.env_ids() and f"coagent/{t}" in coagent.env_ids() for t in TASKS)
    assert TASKS == ["InvertedPendulum-v5", "InvertedDoublePendulum-v5", "Reacher-v5", "Swimmer-v5",
                     "Hopper-v5", "HalfCheetah-v5", "Walker2d-v5", "Ant-v5"]


@pytest.mark.parametrize("task", TASKS)
def test_spaces_spec_and_reset_info_are_gymnasiums(task):
    ours, theirs = coagent.make(task), gym.make(task)
    for a, b in ((ours.observation_space, theirs.observation_space), (ours.action_space, theirs.action_space)):
        assert a == b and a.dtype == b.dtype  # float64 observations, float32 actions
    assert ours.spec.max_episode_steps == theirs.spec.max_episode_steps
    assert ours.spec.reward_threshold == theirs.spec.reward_threshold
    registered = gym.make(f"coagent/{task}")
    assert isinstance(registered.unwrapped, coagent.CoagentEnv)
    assert registered.spec.max_episode_steps == theirs.spec.max_episode_steps
    obs, info = ours.reset(seed=5)
    g_obs, g_info = theirs.reset(seed=5)
    assert list(info) == list(g_info) and obs in ours.observation_space
    assert np.array_equal(ours.reset(seed=5)[0], obs)  # reset(seed) repeats
    assert not np.array_equal(ours.reset(seed=6)[0], obs)


@pytest.mark.parametrize("task", TASKS)
def test_environment_checkers_say_what_they_say_of_gymnasiums(task):
    def caught(check, env):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            check(env)
        return [str(m.message) for m in w]
    theirs = gym.make(task).unwrapped
    assert caught(gym_check_env, coagent.make(task)) == caught(
        lambda e: gym_check_env(e, skip_render_check=True), theirs)
    assert caught(lambda e: sb3_check_env(e, warn=True), coagent.make(task)) == caught(
        lambda e: sb3_check_env(e, warn=True), theirs)


def test_set_state_keeps_the_step_count_and_checks_shapes():
    env = gym.make("coagent/Hopper-v5")
    env.reset(seed=0)
    for _ in range(3):
        env.step(np.zeros(3, dtype=np.float32))
    env.unwrapped.set_state(np.array([0, 1.25, 0, 0, 0, 0.0]), np.zeros(6))
    assert env.unwrapped._cpp.elapsed_steps == 3  # Gymnasium's unwrapped set_state does not reset it
    with pytest.raises(ValueError, match=r"qpos of shape \(6,\) and qvel of shape \(6,\)"):
        env.unwrapped.set_state(np.zeros(5), np.zeros(6))
    with pytest.raises(TypeError, match="no qpos/qvel"):
        coagent.make("pendulum").set_state(np.zeros(1), np.zeros(1))


def test_an_unstable_simulation_is_an_error_naming_the_task_step_and_warning():
    env = coagent.make("Hopper-v5")
    env.reset(seed=0)
    env.step(np.zeros(3, dtype=np.float32))
    env.unwrapped.set_state(np.array([0, 1.25, 0, 0, 0, 0.0]), np.full(6, 1e12))
    with pytest.raises(RuntimeError, match=r"^Hopper-v5: step 2: MuJoCo warning: Nan, Inf or huge value in QVEL"):
        env.step(np.zeros(3, dtype=np.float32))
    with pytest.raises(RuntimeError, match="the last step failed; reset"):
        env.step(np.zeros(3, dtype=np.float32))
    obs, _ = env.reset(seed=0)
    assert np.all(np.isfinite(env.step(np.zeros(3, dtype=np.float32))[0]))


def test_actions_outside_float32_or_not_finite_are_refused():
    env = coagent.make("HalfCheetah-v5")
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action\[2\] is .*outside float32's range"):
        env.step(np.array([0, 0, 1e300, 0, 0, 0]))
    with pytest.raises(ValueError, match=r"action\[0\] is nan"):
        env.step(np.array([np.nan, 0, 0, 0, 0, 0]))


def test_a_missing_model_names_the_path_and_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("COAGENT_MUJOCO_ASSETS", str(tmp_path))
    with pytest.raises(RuntimeError, match=f"no MuJoCo model at '{tmp_path}/ant.xml'.*COAGENT_MUJOCO_ASSETS"):
        coagent.make("Ant-v5")
    assets = os.path.join(os.path.dirname(gym.__file__), "envs", "mujoco", "assets")
    monkeypatch.setenv("COAGENT_MUJOCO_ASSETS", assets)
    assert coagent.make("Ant-v5").observation_space.shape == (105,)


@pytest.mark.parametrize("task", ["Hopper-v5", "Ant-v5"])
def test_cli_replay_from_a_state_is_gymnasiums(task):
    """`coagent replay --env T --state qpos,qvel` prints the state, reward and flags after
    each action line; they equal Gymnasium's from the same state (%.17g round-trips)."""
    qpos, qvel = _gymnasium_states(task, count=3)[1]
    theirs = gym.make(task)
    theirs.reset(seed=0)
    theirs.unwrapped.set_state(qpos, qvel)
    policy = Policy("uniform", 3, theirs.action_space.high)
    actions = [policy().astype(np.float32) for _ in range(30)]
    state = ",".join(repr(float(v)) for v in np.concatenate([qpos, qvel]))
    path = os.environ.get("COAGENT_CLI", os.path.join(os.path.dirname(__file__), "../../build/coagent"))
    out = subprocess.run([path, "replay", "--env", task, "--state", state], check=True, capture_output=True,
                         text=True, input="".join(" ".join(repr(float(x)) for x in a) + "\n" for a in actions))
    lines = out.stdout.strip().splitlines()
    for i, (line, a) in enumerate(zip(lines, actions)):
        *s, reward, terminated, truncated = line.split()
        _, g_reward, g_terminated, g_truncated, _ = theirs.step(a)
        g_state = np.concatenate([theirs.unwrapped.data.qpos, theirs.unwrapped.data.qvel])
        assert np.array_equal(np.array(s, dtype=np.float64), g_state), f"step {i + 1}"
        assert float(reward) == g_reward and (terminated, truncated) == (str(int(g_terminated)), str(int(g_truncated)))
        if g_terminated:
            assert len(lines) == i + 1
            break
    else:
        assert len(lines) == len(actions)


@pytest.mark.parametrize("task, preset", [("HalfCheetah-v5", "halfcheetah"), ("Hopper-v5", "hopper")])
def test_agent_with_a_task_preset_learns_what_the_cli_learns(task, preset, cli, tmp_path):
    """Agent(task, preset=...) and `coagent train --env task --preset ...` are one run: the
    same digest, and the checkpoint's running observation statistics evaluate the same."""
    agent = coagent.Agent(task, preset=preset, seed=1, steps=3000, eval_episodes=2).learn()
    path = tmp_path / "cli.ckpt"
    shell = cli.json("train", "--env", task, "--preset", preset, "--seed", 1, "--steps", 3000,
                     "--eval-episodes", 2, "--save", path, "--json")
    assert shell["digest"] == agent.digest
    assert cli.json("eval", "--load", path, "--json", "--episodes", 2) == agent.evaluate(2)
    assert coagent.Agent.load(path).digest == agent.digest


@pytest.mark.parametrize("task, preset", [("Hopper-v5", "hopper"), ("Swimmer-v5", "swimmer")])
def test_eval_gif_draws_the_body(task, preset, cli, tmp_path):
    """`coagent eval --gif` draws a MuJoCo task's geoms (side view; Swimmer from above): an
    animated GIF with one frame per drawn step."""
    ckpt, gif = tmp_path / "t.ckpt", tmp_path / "t.gif"
    cli("train", "--env", task, "--preset", preset, "--steps", 500, "--eval-episodes", 1, "--save", ckpt)
    cli("eval", "--load", ckpt, "--episodes", 1, "--gif", gif)
    data = gif.read_bytes()
    assert data[:6] == b"GIF89a" and b"NETSCAPE2.0" in data  # animated, looping
    assert data.count(b"\x21\xf9\x04") > 10  # a graphic control block per frame


if __name__ == "__main__":  # the tallies, by hand
    for task in TASKS:
        tally = Tally()
        _from_our_resets(task, tally)
        _from_gymnasium_states(task, tally)
        print(task, vars(tally))
