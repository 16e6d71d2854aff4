"""Train coagent on a Gymnasium-API environment defined right here, then evaluate and save.

    pip install . && python examples/python/train.py [--steps N] [--save PATH]

The environment is plain Python (no gymnasium import): a cart on a rail that must be
brought to x = 0.5 and held there. coagent steps it from its environment task with the GIL
held while every neuron of a 2-16-1 actor learns by its local rule; nothing is backpropagated.
"""
import argparse
import math

import numpy as np

import coagent


class Thermostat:
    """Steer x toward 0.5: x' = 0.8 x + 0.2 u, reward -(x' - 0.5)^2, 50 steps an episode.
    Holding u = 0 scores about -12; steering to 0.5 quickly scores about -1."""

    class Spec:  # what Gymnasium's EnvSpec says about an environment, duck-typed
        id = "Thermostat-v0"
        max_episode_steps = 50
        reward_threshold = -2.0

    spec = Spec()

    def __init__(self):
        self.observation_space = coagent.Box(low=-1.0, high=1.0, shape=(1,), dtype=np.float32)
        self.action_space = coagent.Box(low=-1.0, high=1.0, shape=(1,), dtype=np.float32)
        self.rng = np.random.default_rng()
        self.x, self.t = 0.0, 0

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.x, self.t = float(self.rng.uniform(-0.8, -0.2)), 0
        return np.array([self.x], dtype=np.float32), {}

    def step(self, action):
        u = float(np.clip(action[0], -1.0, 1.0))
        self.x = 0.8 * self.x + 0.2 * u
        self.t += 1
        reward = -(self.x - 0.5) ** 2
        return np.array([self.x], dtype=np.float32), reward, False, self.t >= 50, {}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=60000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--save", default="thermostat.ckpt")
    args = p.parse_args()

    agent = coagent.Agent(Thermostat(), seed=args.seed, rule="compatible", hidden=[16],
                          noise_scale=[0.0, 0.3], gamma=0.9)
    before = agent.evaluate(n_episodes=20)
    agent.learn(args.steps, progress_bar=True)
    after = agent.evaluate(n_episodes=100)
    print(f"greedy return {before['mean_return']:.2f} untrained -> {after['mean_return']:.2f} "
          f"after {agent.steps_done} steps ({after['criterion']}: "
          f"{'solved' if after['solved'] else 'not solved'})")
    agent.save(args.save)
    again = coagent.Agent.load(args.save, env=Thermostat())
    print(f"saved {args.save} (digest {again.digest[:16]}..., "
          f"{'same' if again.digest == agent.digest else 'DIFFERENT'} after load)")
    obs, _ = Thermostat().reset(seed=3)
    action, _ = agent.predict(obs)
    print(f"predict({obs[0]:+.3f}) = {action[0]:+.3f}")
    # Every check the example stands for; any failure is a non-zero exit.
    checks = {
        "the untrained network does not solve it": not before["solved"],
        "the trained network solves it": after["solved"] and math.isfinite(after["mean_return"]),
        "training improved the return": after["mean_return"] > before["mean_return"],
        "the reloaded agent has the same digest": again.digest == agent.digest,
        "the reloaded agent evaluates the same": again.evaluate(n_episodes=5) == agent.evaluate(n_episodes=5),
        "the reloaded agent predicts the same": np.array_equal(
            again.predict(np.linspace(-1, 1, 21, dtype=np.float32).reshape(-1, 1))[0],
            agent.predict(np.linspace(-1, 1, 21, dtype=np.float32).reshape(-1, 1))[0]),
    }
    failed = [name for name, ok in checks.items() if not ok]
    for name in failed:
        print(f"FAILED: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
