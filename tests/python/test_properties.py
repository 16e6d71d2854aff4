"""Property-based tests of the Python API (hypothesis): settings, spaces, observations,
actions, callbacks and checkpoint bytes. For any input, the call either does its job or
raises a Python exception of the documented type whose message names the problem; it
never crashes the interpreter, hangs, or leaves a half-written file."""
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import coagent
from coagent.spaces import BuiltinBox

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# A setting's name (Python spelling) and values of every kind.
SETTING_NAMES = sorted(row["key"].replace("-", "_") for row in coagent._coagent.settings_table())
ANY_VALUE = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                      st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                      st.lists(st.integers(-5, 300), max_size=4))


@FAST
@given(name=st.sampled_from(SETTING_NAMES), value=ANY_VALUE)
def test_any_setting_value_is_taken_or_refused_by_name(name, value):
    try:
        agent = coagent.Agent("chain", seed=1, steps=50, **{name: value})
    except (ValueError, TypeError) as e:
        assert name.replace("_", "-") in str(e) or name in str(e) or "needs" in str(e) or "applies" in str(e), str(e)
        return
    assert agent.settings[name.replace("_", "-")] is not None


@FAST
@pytest.mark.parametrize("box_type", [coagent.Box, BuiltinBox], ids=["Box", "BuiltinBox"])
@given(low=st.floats(-1e6, 1e6), width=st.floats(0, 1e6), shape=st.integers(1, 5),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_box_samples_lie_in_the_box(box_type, low, width, shape, dtype):
    """coagent.Box (gymnasium's where it is installed) and our own BuiltinBox, which
    coagent.Box is without gymnasium."""
    box = box_type(low=low, high=low + width, shape=(shape,), dtype=dtype)
    for seed in range(3):
        box.seed(seed)
        x = box.sample()
        assert x.shape == (shape,) and x.dtype == dtype and box.contains(x)


class Emits:
    """A 2-observation, 1-action environment whose 3rd step returns `obs` as given."""

    def __init__(self, obs):
        self.obs, self.t = obs, 0
        self.observation_space = coagent.Box(low=-np.ones(2, dtype=np.float32), high=np.ones(2, dtype=np.float32),
                                             dtype=np.float32)
        self.action_space = coagent.Box(low=-1.0, high=1.0, shape=(1,), dtype=np.float32)

    def reset(self, *, seed=None, options=None):
        self.t = 0
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        self.t += 1
        obs = self.obs if self.t == 3 else np.zeros(2, dtype=np.float32)
        return obs, 0.0, False, self.t >= 20, {}


OBSERVATIONS = st.one_of(
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=0, max_size=4).map(
        lambda v: np.array(v, dtype=np.float32)),
    st.lists(st.integers(-3, 3), min_size=2, max_size=2).map(np.array),
    st.just("text"), st.just(None), st.just([0.5, 0.5]))


@FAST
@pytest.mark.parametrize("mode", ["lockstep", "async"])
@given(obs=OBSERVATIONS)
def test_any_observation_trains_or_raises_naming_it(mode, obs):
    agent = coagent.Agent(Emits(obs), seed=1, mode=mode, hidden=[4])
    try:
        agent.learn(40)
    except (ValueError, TypeError) as e:
        assert "observation" in str(e), str(e)
        return
    # Taken: then it had two finite values (an array, a list or integers).
    v = np.asarray(obs, dtype=np.float64)
    assert v.shape == (2,) and np.all(np.isfinite(v))
    assert agent.steps_done == 40


@FAST
@given(rows=st.integers(0, 3), cols=st.integers(0, 4),
       fill=st.floats(allow_nan=True, allow_infinity=True))
def test_predict_takes_any_array(rows, cols, fill):
    """A batch of Pendulum observations (3 values each) gives one action per row; any
    other width, or a non-finite value, is a ValueError that says which."""
    agent = coagent.Agent("pendulum", seed=1, hidden=[4])
    obs = np.full((rows, cols), fill)
    try:
        action, _ = agent.predict(obs)
    except ValueError as e:
        if cols == 3 and rows > 0:
            assert not math.isfinite(fill) and "is not finite" in str(e), str(e)
        else:
            assert "observation" in str(e), str(e)
        return
    assert cols == 3 and (rows == 0 or math.isfinite(fill))
    assert np.asarray(action).shape == (rows, 1) and np.all(np.isfinite(action))


@FAST
@given(returned=st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.text(max_size=3)),
       at=st.integers(1, 6))
def test_a_callback_returning_anything(returned, at):
    """SB3's rule (`if not callback.on_step()`): a callback whose _on_step returns a false
    value (False, None, 0, "") stops training at that step; a true one continues."""
    class Stopper(coagent.BaseCallback):
        def _on_step(self):
            return returned if self.n_calls >= at else True

    agent = coagent.Agent("chain", seed=1, mode="lockstep")
    agent.learn(200, callback=Stopper())
    if not returned:
        assert agent.steps_done == at
    else:
        assert agent.steps_done == 200


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "chain.ckpt"
    coagent.Agent("chain", seed=1, mode="lockstep").learn(300).save(path)
    return path.read_bytes()


@FAST
@given(data=st.data())
def test_checkpoint_bytes_load_or_raise(tmp_path, checkpoint_bytes, data):
    """A checkpoint with bytes flipped, cut or appended: it loads (to the same digest when
    unchanged) or raises RuntimeError/ValueError naming the file; saving it again works."""
    b = bytearray(checkpoint_bytes)
    edit = data.draw(st.sampled_from(["flip", "cut", "append", "none"]))
    if edit == "flip":
        for i in data.draw(st.lists(st.integers(0, len(b) - 1), min_size=1, max_size=4)):
            b[i] ^= data.draw(st.integers(1, 255))
    elif edit == "cut":
        b = b[:data.draw(st.integers(0, len(b) - 1))]
    elif edit == "append":
        b += data.draw(st.binary(min_size=1, max_size=16))
    path = tmp_path / f"edited-{os.getpid()}.ckpt"
    path.write_bytes(bytes(b))
    try:
        agent = coagent.Agent.load(path)
    except (RuntimeError, ValueError) as e:
        assert path.name in str(e), str(e)
        return
    assert edit == "none" or edit == "flip"  # a cut or padded file never loads
    again = tmp_path / "again.ckpt"
    agent.save(again)
    assert coagent.Agent.load(again).digest == agent.digest
    assert not math.isnan(agent.steps_done)
