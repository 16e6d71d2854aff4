"""Coverage-guided fuzzing (atheris) of what a Python user feeds coagent: checkpoint bytes
(Agent.load), settings (Agent(**settings)), an environment's observations and rewards
(a Python env returning fuzzed values) and environment states (set_state, replay's input).
Every input must load/train/set or raise a Python exception naming the problem: a crash,
an abort or an exception of another type is a finding. Run by tools/fuzz-python."""
import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    import numpy as np

    import coagent

CHECKPOINT = None
TMP = tempfile.mkdtemp(prefix="coagent-atheris-")
SETTINGS = sorted(r["key"].replace("-", "_") for r in coagent._coagent.settings_table())
EXPECTED = (ValueError, TypeError, RuntimeError, FileNotFoundError, OverflowError)


def seed_checkpoint():
    global CHECKPOINT
    path = os.path.join(TMP, "seed.ckpt")
    coagent.Agent("chain", seed=1, mode="lockstep").learn(200).save(path)
    with open(path, "rb") as f:
        CHECKPOINT = f.read()


class FuzzedEnv:
    def __init__(self, fdp):
        self.fdp = fdp
        self.observation_space = coagent.Box(low=-np.ones(2, dtype=np.float32), high=np.ones(2, dtype=np.float32),
                                             dtype=np.float32)
        self.action_space = coagent.Box(low=-1.0, high=1.0, shape=(1,), dtype=np.float32)

    def reset(self, *, seed=None, options=None):
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        n = self.fdp.ConsumeIntInRange(0, 3)
        obs = np.array(self.fdp.ConsumeFloatListInRange(n, -1e40, 1e40) if n else [], dtype=np.float64)
        reward = self.fdp.ConsumeRegularFloat() if self.fdp.ConsumeBool() else self.fdp.ConsumeUnicode(3)
        return obs, reward, self.fdp.ConsumeBool(), self.fdp.ConsumeBool(), {}


def one_input(data):
    fdp = atheris.FuzzedDataProvider(data)
    what = fdp.ConsumeIntInRange(0, 3)
    try:
        if what == 0:  # checkpoint bytes: the seed checkpoint with fuzzed edits, or raw bytes
            raw = bytearray(CHECKPOINT)
            for _ in range(fdp.ConsumeIntInRange(0, 8)):
                raw[fdp.ConsumeIntInRange(0, len(raw) - 1)] = fdp.ConsumeIntInRange(0, 255)
            if fdp.ConsumeBool():
                raw = raw[:fdp.ConsumeIntInRange(0, len(raw))]
            if fdp.ConsumeBool():
                raw = bytearray(fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 4096)))
            path = os.path.join(TMP, "fuzzed.ckpt")
            with open(path, "wb") as f:
                f.write(raw)
            coagent.Agent.load(path).learn(5)
        elif what == 1:  # settings
            kwargs = {}
            for _ in range(fdp.ConsumeIntInRange(1, 3)):
                name = SETTINGS[fdp.ConsumeIntInRange(0, len(SETTINGS) - 1)]
                kind = fdp.ConsumeIntInRange(0, 3)
                kwargs[name] = [fdp.ConsumeInt(4), fdp.ConsumeRegularFloat(), fdp.ConsumeUnicode(8),
                                fdp.ConsumeBool()][kind]
            kwargs["steps"] = 20
            coagent.Agent("chain", seed=1, mode="lockstep", **kwargs).learn(20)
        elif what == 2:  # an environment's observations and rewards
            coagent.Agent(FuzzedEnv(fdp), seed=1, hidden=[4], mode="lockstep").learn(10)
        else:  # states, as replay and set_state take them
            env = coagent.make(["chain", "mountaincar", "pendulum"][fdp.ConsumeIntInRange(0, 2)])
            env.reset(seed=1)
            qpos, qvel = (np.array(fdp.ConsumeFloatListInRange(fdp.ConsumeIntInRange(0, 3), -1e300, 1e300))
                          for _ in range(2))
            env.unwrapped.set_state(qpos, qvel)
            env.step(env.action_space.sample())
    except EXPECTED:
        pass


def main():
    seed_checkpoint()
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
