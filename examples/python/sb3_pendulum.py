"""Stable-Baselines3's usual script with only the class changed: coagent's Pendulum preset
(a 3-64-64-1 actor, every neuron learning by its local rule, no backpropagation) trained
with SB3's EvalCallback and evaluated by SB3's evaluate_policy on Gymnasium's own
Pendulum-v1.

    pip install '.[peers]' && python examples/python/sb3_pendulum.py [--seed 1] [--steps 200000]

Exits non-zero unless the mean return is at least -200 (solved). The evaluation
environment is seeded (--eval-seed), so the printed numbers repeat.
"""
import argparse
import time

import gymnasium
from stable_baselines3.common.callbacks import EvalCallback
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

import coagent


def seeded(seed):
    env = DummyVecEnv([lambda: Monitor(gymnasium.make("Pendulum-v1"))])
    env.seed(seed)
    return env


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=200_000)
    p.add_argument("--eval-seed", type=int, default=1_000_000)
    a = p.parse_args()
    t0 = time.monotonic()
    model = coagent.Agent("Pendulum-v1", preset="pendulum", seed=a.seed)
    model.learn(a.steps, callback=EvalCallback(seeded(a.eval_seed), eval_freq=20_000, verbose=0))
    mean, std = evaluate_policy(model, seeded(a.eval_seed + 1), n_eval_episodes=20)
    print(f"Pendulum-v1, preset pendulum, seed {a.seed}, {model.num_timesteps} steps: "
          f"evaluate_policy (20 episodes of Gymnasium's Pendulum-v1) {mean:.1f} +/- {std:.1f} "
          f"({'solved' if mean >= -200 else 'NOT solved'}: mean >= -200), {time.monotonic() - t0:.0f} s")
    return 0 if mean >= -200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
