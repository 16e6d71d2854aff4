"""Against the real Gymnasium (a hard requirement of this suite): the same arithmetic step
for step, Gymnasium's and Stable-Baselines3's environment checkers on every id, the
registered "coagent/..." ids, and Agent on Gymnasium's own environments.

NumPy 1.x vs 2.x. coagent's C++ reproduces MountainCarContinuous-v0 and Pendulum-v1 as
Gymnasium computes them under NumPy 1.x, where a float32 scalar meeting a Python int or
float gives float64, so the whole step is double precision. Under NumPy 2 (NEP 50) such
expressions stay float32. With float32 actions (the action space's dtype) that is, in
Gymnasium 1.4.0's source:
  MountainCarContinuous-v0: force = min(max(action[0], -1.0), 1.0) is np.float32 unless
    clipped (then the Python float bound); force * self.power and the subtraction of
    0.0025 * math.cos(3 * position) are rounded to float32; 3 * position is float32 once
    the state is (every step after the first: the step stores np.array(..., float32));
    from then on velocity += ..., position += velocity and the comparisons with -1.2,
    0.07, 0.45 are float32 too (the Python float is cast to float32). The reward
    (math.pow(action[0], 2) * 0.1 in Python floats) is untouched.
  Pendulum-v1: u = np.clip(u, -2.0, 2.0)[0] is np.float32; 3.0 * u and 0.001 * (u ** 2)
    are float32 (0.001 itself becomes float32(0.001)); the rest (sin, the state, which stays float64) is double.
One step from the same state, each observation component then differs by at most one
float32 rounding step (the float32 intermediates are off by a few 1e-9 at most, less
than the final float32 rounding of the observation), and Pendulum's reward by ~5e-10; along an
episode the differences compound (Pendulum is chaotic). The comparisons in float32 also
move MountainCar's goal and wall by up to half a float32 step: the boundary test below
builds the steps where that flips `terminated` (and the +100) or zeroes the velocity.

Print the measured maxima (all the numbers docs/python.md quotes):
    cd build && PYTHONPATH=python ../.venv/bin/python ../tests/python/test_gymnasium.py
or run this file under pytest with -s.
"""
import math
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import coagent

MC, PEND = "MountainCarContinuous-v0", "Pendulum-v1"
NUMPY2 = int(np.__version__.split(".")[0]) >= 2
SEEDS = range(40)  # even seeds: uniform actions in 1.5x the bounds; odd: energy pumping

# Bounds under NumPy 2 with float32 actions: 4x the maxima measured over SEEDS (printed by
# `python test_gymnasium.py`; for one step they are also the maxima of
# measure(env_id, range(1000)).
# One step from the same state (Gymnasium put in our state before each step): the
# maxima are one float32 rounding step of each component at the top of its range -
# MountainCar position 2**-23 (|x| >= 1), velocity 2**-27 (0.0625 <= |v| <= 0.07);
# Pendulum cos, sin 2**-24 ([0.5, 1)), thetadot 2**-21 ([4, 8)) - because the float32
# intermediates only decide which way the final float32 rounding goes. Pendulum's reward:
# 0.001 * u**2 in float32 (u**2, 0.001 and the product each rounded: <= 5.4e-10 in theory,
# 5.2e-10 measured). MountainCar's reward is bit-exact.
ONE_STEP_OBS = {MC: 4 * np.array([2.0**-23, 2.0**-27]),
                PEND: 4 * np.array([2.0**-24, 2.0**-24, 2.0**-21])}
ONE_STEP_REWARD = {MC: 0.0, PEND: 4 * 5.2e-10}
# Whole episodes without resynchronising (Gymnasium's own state carried along): the same
# roundings compound; 4x the maxima over SEEDS (deterministic for these seeds; more
# seeds find larger drifts: measure(MC, range(1000), resync=False) gives 9.5e-5 in position).
DRIFT_OBS = {MC: 4 * np.array([2.13e-5, 1.54e-6]), PEND: 4 * np.array([7.78e-5, 1.01e-4, 2.17e-4])}
DRIFT_REWARD = {MC: 0.0, PEND: 4 * 6.84e-4}
# Independently of NumPy's version: Gymnasium squares float64 values with `x ** 2` on
# np.float64 (Pendulum's angle and speed) or math.pow (MountainCar's action), i.e. libm's
# pow(), which glibc does not always round correctly (~0.1% of arguments are one ulp
# off); coagent's C++ multiplies, x * x, which is correctly rounded. The reward then
# differs by 1 ulp over SEEDS, 2 over range(1000) (MountainCar); 4 allowed. Squares of float32 actions are exact either
# way, so MountainCar's reward with float32 actions is bit-exact.
POW_ULPS = 4


def _pumping_or_uniform(env_id, seed, high):
    """The test policy of episode `seed`, a function of the last observation: uniform in
    [-1.5 high, 1.5 high] (a third out of range), or pumping energy (push along the
    velocity, magnitude 0.3-1.5 high plus noise) - that reaches MountainCar's goal, its
    left wall and speed limit, and swings the pendulum to its +-8 speed limit."""
    rng = np.random.default_rng(seed)
    k = 1 if env_id == MC else 2  # the velocity's index in the observation

    def act(obs):
        if seed % 2 == 0:
            return rng.uniform(-1.5 * high, 1.5 * high, size=(1,))
        return np.array([math.copysign(high, obs[k]) * rng.uniform(0.3, 1.5) + rng.normal(0.0, 0.2 * high)])
    return act


def _gym_state(env_id, state, float64=False):
    """Our state as Gymnasium holds it: MountainCar keeps float32 after a step (float64 only
    after reset), Pendulum float64."""
    if env_id == MC and not float64:
        assert np.array_equal(np.float32(state), state)  # our state is float32-rounded too
        return np.array(state, dtype=np.float32)
    return np.array(state, dtype=np.float64)


def measure(env_id, seeds=SEEDS, action_dtype=np.float32, resync=True, state64=False):
    """Steps coagent.make(env_id) and gymnasium.make(env_id) side by side over the episodes
    `seeds`, from our reset state, with the same actions (cast to action_dtype). resync:
    put Gymnasium in our state before every step (as a float64 array if state64). Returns
    the largest differences and counts."""
    space = coagent.make(env_id).observation_space
    m = dict(steps=0, out_of_range=0, terminated=0, obs=np.zeros(space.shape), reward=0.0,
             reward_ulps=0.0, obs_exact=0, reward_exact=0, flag_mismatches=0, length_mismatches=0)
    for seed in seeds:
        ours, theirs = coagent.make(env_id), gym.make(env_id)
        obs, _ = ours.reset(seed=seed)
        theirs.reset(seed=seed)
        # Our random stream is not NumPy's: start Gymnasium in our (float64) reset state.
        theirs.unwrapped.state = np.array(ours._cpp.state(), dtype=np.float64)
        high = float(ours.action_space.high[0])
        act = _pumping_or_uniform(env_id, seed, high)
        for t in range(10_000):
            if resync and t > 0:
                theirs.unwrapped.state = _gym_state(env_id, ours._cpp.state(), state64)
            action = act(obs).astype(action_dtype)
            a, b = ours.step(action), theirs.step(action)
            assert a[0].dtype == b[0].dtype == np.float32
            d = np.abs(a[0].astype(np.float64) - b[0].astype(np.float64))
            rd = abs(a[1] - float(b[1]))
            m["steps"] += 1
            m["out_of_range"] += abs(float(action[0])) > high
            m["terminated"] += a[2]
            m["obs"] = np.maximum(m["obs"], d)
            m["reward"] = max(m["reward"], rd)
            m["reward_ulps"] = max(m["reward_ulps"], rd / float(np.spacing(max(abs(a[1]), abs(float(b[1]))))))
            m["obs_exact"] += bool(np.array_equal(a[0], b[0]))
            m["reward_exact"] += a[1] == float(b[1])
            m["flag_mismatches"] += (a[2], a[3]) != (bool(b[2]), bool(b[3]))
            obs = a[0]
            if a[2] or a[3] or b[2] or b[3]:
                m["length_mismatches"] += (a[2] or a[3]) != (b[2] or b[3])
                break
    return m


def _row(label, env_id, m, obs_bound=None, reward_bound=None):
    def v(xs):
        return "[" + ", ".join(f"{x:.3g}" for x in xs) + "]"
    row = (f"{env_id:<24} {label:<34} steps {m['steps']:>6} (out of range {m['out_of_range']:>5}, "
           f"terminated {m['terminated']:>3})  max |obs diff| {v(m['obs'])}  max |reward diff| {m['reward']:.3g} "
           f"({m['reward_ulps']:.3g} ulps)  exact obs {m['obs_exact']}, reward {m['reward_exact']}  "
           f"flag mismatches {m['flag_mismatches']}")
    if obs_bound is not None:
        row += f"  NumPy-2 bounds: obs {v(obs_bound)}, reward {reward_bound:.3g}"
    return row


def _common(m, env_id):
    """What holds under any NumPy: the episodes ran, out-of-range actions were sent,
    MountainCar's goal was reached, and terminated/truncated agreed on every step."""
    assert m["steps"] > {MC: 10_000, PEND: 5_000}[env_id] and m["out_of_range"] > 1_000
    assert env_id != MC or m["terminated"] >= 15
    assert m["flag_mismatches"] == 0 and m["length_mismatches"] == 0


def _pow_ulps_only(m):
    assert m["reward_ulps"] <= POW_ULPS, m["reward_ulps"]


@pytest.mark.parametrize("env_id", [MC, PEND])
def test_one_step_from_the_same_state(env_id):
    m = measure(env_id, resync=True)
    print("\n" + _row("float32 actions, one step", env_id, m, ONE_STEP_OBS[env_id], ONE_STEP_REWARD[env_id]))
    _common(m, env_id)
    if not NUMPY2:  # NumPy 1.x: Gymnasium's arithmetic is ours, bit for bit
        assert m["obs_exact"] == m["steps"], m["obs"]
        assert m["reward_exact"] == m["steps"] if env_id == MC else m["reward_ulps"] <= POW_ULPS
        return
    assert np.all(m["obs"] <= ONE_STEP_OBS[env_id]), (m["obs"], ONE_STEP_OBS[env_id])
    assert m["reward"] <= ONE_STEP_REWARD[env_id], m["reward"]


@pytest.mark.parametrize("env_id", [MC, PEND])
def test_whole_episodes_drift(env_id):
    m = measure(env_id, resync=False)
    print("\n" + _row("float32 actions, whole episodes", env_id, m, DRIFT_OBS[env_id], DRIFT_REWARD[env_id]))
    _common(m, env_id)
    if not NUMPY2:
        assert m["obs_exact"] == m["steps"], m["obs"]
        assert m["reward_exact"] == m["steps"] if env_id == MC else m["reward_ulps"] <= POW_ULPS
        return
    assert np.all(m["obs"] <= DRIFT_OBS[env_id]), (m["obs"], DRIFT_OBS[env_id])
    assert m["reward"] <= DRIFT_REWARD[env_id], m["reward"]


def test_float64_actions_are_bit_exact_where_gymnasium_stays_float64():
    """With float64 actions no float32 enters Pendulum's step, so its observations are
    bit-exact along whole episodes under any NumPy; MountainCar's are bit-exact one step
    from a float64 state (Gymnasium's after reset), but from the float32 state Gymnasium
    keeps after a step, NumPy 2 computes 3 * position in float32. Rewards: POW_ULPS."""
    pend = measure(PEND, action_dtype=np.float64, resync=False)
    print("\n" + _row("float64 actions, whole episodes", PEND, pend))
    _common(pend, PEND)
    assert pend["obs_exact"] == pend["steps"], pend["obs"]
    _pow_ulps_only(pend)

    mc = measure(MC, action_dtype=np.float64, resync=True, state64=True)
    print(_row("float64 actions, float64 state", MC, mc))
    _common(mc, MC)
    assert mc["obs_exact"] == mc["steps"], mc["obs"]
    _pow_ulps_only(mc)

    mc32 = measure(MC, action_dtype=np.float64, resync=True)
    print(_row("float64 actions, one step", MC, mc32))
    if NUMPY2:
        assert 0 < mc32["obs_exact"] < mc32["steps"]  # 3 * position: float32
        assert np.all(mc32["obs"] <= ONE_STEP_OBS[MC]), mc32["obs"]
    else:
        assert mc32["obs_exact"] == mc32["steps"], mc32["obs"]


@pytest.mark.parametrize("env_id", [MC, PEND])
def test_reset_observations_are_bit_exact(env_id):
    """Gymnasium's reset observation of our reset state is ours, bit for bit (float64 state
    rounded once to float32: no NumPy-2 difference)."""
    ours, theirs = coagent.make(env_id), gym.make(env_id)
    for seed in range(200):
        obs, _ = ours.reset(seed=seed)
        state = ours._cpp.state()
        if env_id == MC:  # reset(options=low=high=x) puts Gymnasium's car at exactly x
            expected, _ = theirs.reset(seed=seed, options={"low": state[0], "high": state[0]})
            assert np.array_equal(theirs.unwrapped.state, state)
        else:
            theirs.reset(seed=seed)
            theirs.unwrapped.state = np.array(state, dtype=np.float64)
            expected = theirs.unwrapped._get_obs()
        assert obs.dtype == expected.dtype == np.float32
        assert np.array_equal(obs, expected), (seed, obs, expected)


# MountainCar's goal (position >= 0.45) and wall (position == -1.2 stops the car) under
# NumPy 2 are compared in float32, where 0.45 and -1.2 become float32(0.45) = 0.4499999881
# and float32(-1.2) = -1.2000000477. A double position in [0.44999997318, 0.45) rounds to
# float32(0.45): Gymnasium under NumPy 2 terminates there (+100), coagent and NumPy 1 do
# not (they do a step later). A double position in [-1.2, -1.19999998808) rounds to
# float32(-1.2): NumPy 2 zeroes the velocity, coagent and NumPy 1 keep it.
_F32_GOAL = float(np.float32(0.45))
_F32_WALL = float(np.float32(-1.2))
_WINDOWS = {  # [lo, hi): the double positions that round to the float32 boundary
    "goal": ((float(np.nextafter(np.float32(0.45), np.float32(0))) + _F32_GOAL) / 2, 0.45),
    "wall": (-1.2, (float(np.nextafter(np.float32(-1.2), np.float32(0))) + _F32_WALL) / 2),
}


def _mc_step_in_double(x, v, a):
    """coagent's (and NumPy 1 Gymnasium's) MountainCar step in Python floats."""
    force = min(max(a, -1.0), 1.0)
    v = min(max(v + (force * 0.0015 - 0.0025 * math.cos(3 * x)), -0.07), 0.07)
    return x + v, v


def _aim(x, v, which):
    """A float32 action that puts the next double position in the middle of the window
    (moving toward the goal or the wall), or None if no force in (-1, 1) reaches it."""
    lo, hi = _WINDOWS[which]
    target = (lo + hi) / 2
    f = (target - x - v + 0.0025 * math.cos(3 * x)) / 0.0015
    if not -1.0 < f < 1.0:
        return None
    a = np.float32(f)
    for _ in range(64):  # walk float32 neighbours until the rounding lands inside
        x2, v2 = _mc_step_in_double(x, v, float(a))
        if lo <= x2 < hi and (v2 >= 0 if which == "goal" else v2 < 0) and abs(v2) < 0.07:
            return a
        a = np.nextafter(a, np.float32(2.0 if x2 < target else -2.0))
    return None


def _episode_reaching(which):
    """Pumping episodes (seeds 0, 1, ...) until a step from which a float32 action in range
    lands in the window: returns our env there and that action."""
    for seed in range(100):
        ours = coagent.make(MC)
        obs, _ = ours.reset(seed=seed)
        rng = np.random.default_rng(seed)
        for t in range(999):
            x, v = map(float, ours._cpp.state())
            a = _aim(x, v, which) if t > 0 else None  # t > 0: Gymnasium's state is float32
            if a is not None:
                return ours, np.array([a], dtype=np.float32)
            push = math.copysign(1.0, obs[1]) * rng.uniform(0.3, 1.5) + rng.normal(0.0, 0.2)
            obs, _, terminated, truncated, _ = ours.step(np.array([push], dtype=np.float32))
            if terminated or truncated:
                break
    raise AssertionError(f"no pumping episode came within reach of the {which}")


def _boundary_step(which):
    """One step of coagent and of Gymnasium (in the same float32 state, as Gymnasium keeps
    it) with an action that lands coagent's double position in the window: returns the
    action, that double position and velocity, and both step results."""
    ours, action = _episode_reaching(which)
    x, v = map(float, ours._cpp.state())
    x2, v2 = _mc_step_in_double(x, v, float(action[0]))
    theirs = gym.make(MC)
    theirs.reset(seed=0)
    theirs.unwrapped.state = np.array([x, v], dtype=np.float32)
    return action, x2, v2, ours.step(action), theirs.step(action)


def _boundary_row(which, action, x2, v2, a, b):
    return (f"{which}: action {float(action[0])!r}, coagent's double position {float(x2)!r}, velocity "
            f"{float(v2):.6g}: coagent obs {a[0]}, reward {a[1]:.6g}, terminated {a[2]}; "
            f"Gymnasium obs {b[0]}, reward {float(b[1]):.6g}, terminated {b[2]}")


@pytest.mark.parametrize("which", ["goal", "wall"])
def test_mountaincar_goal_and_wall_are_compared_in_float32_under_numpy2(which):
    action, x2, v2, a, b = _boundary_step(which)
    print("\n" + _boundary_row(which, action, x2, v2, a, b))
    lo, hi = _WINDOWS[which]
    assert lo <= x2 < hi
    cost = -0.1 * float(action[0]) ** 2
    # coagent: the double position is short of the goal / not past the wall
    assert a[0][0] == np.float32(x2) and a[0][1] == np.float32(v2)
    assert a[0][0] == np.float32({"goal": 0.45, "wall": -1.2}[which])
    assert a[1] == cost and not a[2]
    if not NUMPY2:  # NumPy 1 compares in double: as coagent
        assert np.array_equal(a[0], b[0]) and (a[1], a[2]) == (float(b[1]), b[2])
    elif which == "goal":  # float32(position) >= float32(0.45): terminated, +100
        assert b[2] and float(b[1]) == 100.0 + cost
        assert b[0][0] == a[0][0]
    else:  # float32(position) == float32(-1.2) and velocity < 0: the car stops
        assert b[0][0] == a[0][0] and b[0][1] == 0.0 and a[0][1] < 0 and not b[2]
        assert float(b[1]) == a[1]


# What each checker says, exactly. For Gymnasium's ids it is what the same checker says
# about Gymnasium's own environment (asserted too): Pendulum's action space is [-2, 2],
# which both checkers flag as not normalized. chain and synthetic have float64 action
# spaces (what their C++ environment computes in), which SB3 flags.
_NOT_NORMALIZED_GYM = "For Box action spaces, we recommend using a symmetric and normalized space"
_NOT_NORMALIZED_SB3 = "We recommend you to use a symmetric and normalized Box action space (range=[-1, 1])"
_FLOAT64_SB3 = "Your action space has dtype float64, we recommend using np.float32 to avoid cast errors."
_GYMNASIUMS = {"mountaincar": MC, "pendulum": PEND}
_EXPECTED = {  # builtin name -> (Gymnasium's checker, SB3's checker)
    "mountaincar": ([], []),
    "pendulum": ([_NOT_NORMALIZED_GYM], [_NOT_NORMALIZED_SB3]),
    "chain": ([], [_FLOAT64_SB3]),
    "synthetic": ([], [_FLOAT64_SB3]),
}


# The classic ids; Gymnasium's MuJoCo tasks have their own file (test_mujoco.py).
CLASSIC_IDS = [i for i in coagent.env_ids() if i.removeprefix("coagent/") not in coagent.envs.MUJOCO_TASKS]


def _warnings_of(check, env):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check(env)
    return [str(w.message) for w in caught]


def _matches(messages, expected):
    return len(messages) == len(expected) and all(e in m for m, e in zip(messages, expected))


@pytest.mark.parametrize("env_id", CLASSIC_IDS)
def test_gymnasium_env_checker(env_id):
    env = coagent.make(env_id)
    assert isinstance(env, gym.Env) and isinstance(env.observation_space, gym.spaces.Box)
    assert isinstance(env.action_space, gym.spaces.Box)
    got = _warnings_of(gym_check_env, env)  # render check included: render_mode None
    assert _matches(got, _EXPECTED[env.name][0]), got
    if env.name in _GYMNASIUMS:
        theirs = gym.make(_GYMNASIUMS[env.name]).unwrapped  # (its render check needs pygame)
        assert got == _warnings_of(lambda e: gym_check_env(e, skip_render_check=True), theirs)


@pytest.mark.parametrize("env_id", CLASSIC_IDS)
def test_sb3_env_checker(env_id):
    env = coagent.make(env_id)
    got = _warnings_of(lambda e: sb3_check_env(e, warn=True), env)
    assert _matches(got, _EXPECTED[env.name][1]), got
    if env.name in _GYMNASIUMS:
        theirs = gym.make(_GYMNASIUMS[env.name]).unwrapped
        assert got == _warnings_of(lambda e: sb3_check_env(e, warn=True), theirs)


@pytest.mark.parametrize("spec_id", [i for i in CLASSIC_IDS if i.startswith("coagent/")])
def test_registered_ids_truncate_at_the_builtin_limit(spec_id):
    env = gym.make(spec_id)
    assert isinstance(env.unwrapped, coagent.CoagentEnv)
    limit = int(env.unwrapped._cpp.max_episode_steps)
    assert env.spec.max_episode_steps == limit == coagent.make(spec_id).spec.max_episode_steps
    name = env.unwrapped.name
    if name in _GYMNASIUMS:  # and Gymnasium's own limit (999, 200)
        assert limit == gym.spec(_GYMNASIUMS[name]).max_episode_steps
    obs, info = env.reset(seed=3)
    assert obs in env.observation_space and info == {}
    # an action that never reaches a goal (chain: step left), so only the limit ends it
    action = np.full(env.action_space.shape, -1.0 if name == "chain" else 0.0, dtype=env.action_space.dtype)
    for t in range(1, limit + 1):
        obs, reward, terminated, truncated, _ = env.step(action)
        assert obs in env.observation_space and isinstance(reward, float)
        assert not terminated and truncated == (t == limit), (t, truncated)
    obs, _ = env.reset(seed=4)
    obs, *_ = env.step(env.action_space.sample())  # and a fresh episode steps again
    assert obs in env.observation_space


@pytest.mark.parametrize("env_id", [MC, PEND])
def test_agent_trains_on_gymnasiums_own_environment(env_id, tmp_path):
    agent = coagent.Agent(gym.make(env_id), seed=1, hidden=[8])
    agent.learn(3000)
    result = agent.evaluate(2)
    assert result["env"] == env_id and result["episodes"] == 2
    agent.save(tmp_path / "g.ckpt")
    again = coagent.Agent.load(tmp_path / "g.ckpt", env=gym.make(env_id))
    assert again.evaluate(2) == result


def test_env_factory_for_envs_in_flight():
    agent = coagent.Agent(lambda: gym.make(PEND), seed=1, envs=4, hidden=[8])
    agent.learn(2000)
    assert agent.steps_done == 2000


if __name__ == "__main__":  # the table of measured maxima
    print(f"Gymnasium {gym.__version__}, NumPy {np.__version__}, seeds {SEEDS.start}..{SEEDS.stop - 1}")
    for env_id in (MC, PEND):
        print(_row("float32 actions, one step", env_id, measure(env_id), ONE_STEP_OBS[env_id],
                   ONE_STEP_REWARD[env_id]))
        print(_row("float32 actions, whole episodes", env_id, measure(env_id, resync=False), DRIFT_OBS[env_id],
                   DRIFT_REWARD[env_id]))
        print(_row("float64 actions, one step", env_id, measure(env_id, action_dtype=np.float64)))
        if env_id == MC:
            print(_row("float64 actions, float64 state", env_id,
                       measure(env_id, action_dtype=np.float64, state64=True)))
        print(_row("float64 actions, whole episodes", env_id,
                   measure(env_id, action_dtype=np.float64, resync=False)))
    for which in ("goal", "wall"):
        print(_boundary_row(which, *_boundary_step(which)))
