"""The peers' rates beside `coagent bench` (it runs this file when a Python with the
peers is found): EnvPool's stepping rate of the same task with the same environments on
the same threads, and Stable-Baselines3 TD3's training steps per second (RL Zoo's
MuJoCo network, 256-256, batch 256, one gradient step per env step) on the same
machine. Prints one JSON object; a peer that is not installed is reported as missing,
with the command that installs it.

    python python/coagent/peer_rates.py --env HalfCheetah-v5 --envs 16 --threads 1,2
"""
from __future__ import annotations

import argparse
import json
import statistics
import time


def envpool_rate(env: str, envs: int, threads: int, seconds: float, reps: int) -> dict:
    import envpool  # noqa: PLC0415 (optional peer)
    import numpy as np  # noqa: PLC0415

    pool = envpool.make(env, env_type="gymnasium", num_envs=envs, num_threads=threads, seed=1)
    pool.reset()
    space = pool.action_space
    rng = np.random.default_rng(1)
    actions = rng.uniform(space.low, space.high, size=(64, envs, *space.shape))  # drawn untimed
    rates = []
    for _ in range(reps + 1):  # the first is a warm-up
        steps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            pool.step(actions[(steps // envs) % 64])
            steps += envs
        rates.append(steps / (time.perf_counter() - t0))
    pool.close()
    return {"steps_per_s": statistics.median(rates[1:]), "envpool": envpool.__version__}


def td3_rate(env: str, threads: int, steps: int) -> dict:
    import gymnasium as gym  # noqa: PLC0415
    import stable_baselines3  # noqa: PLC0415
    import torch  # noqa: PLC0415
    from stable_baselines3 import TD3  # noqa: PLC0415

    torch.set_num_threads(threads)
    model = TD3("MlpPolicy", gym.make(env), learning_starts=256, batch_size=256,
                policy_kwargs={"net_arch": [256, 256]}, seed=1, device="cpu")
    model.learn(total_timesteps=300)  # past learning_starts: every later step trains
    t0 = time.perf_counter()
    model.learn(total_timesteps=steps, reset_num_timesteps=False)
    return {"steps_per_s": steps / (time.perf_counter() - t0),
            "stable_baselines3": stable_baselines3.__version__, "torch": torch.__version__}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", required=True)
    p.add_argument("--envs", type=int, default=1)
    p.add_argument("--threads", default="1")
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--td3-steps", type=int, default=500)
    a = p.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    out: dict = {"env": a.env, "envs": a.envs, "envpool": [], "td3": []}
    for name, measure in (("envpool", lambda t: envpool_rate(a.env, a.envs, t, a.seconds, a.reps)),
                          ("td3", lambda t: td3_rate(a.env, t, a.td3_steps))):
        for t in threads:
            try:
                out[name].append({"threads": t, **measure(t)})
            except ImportError as e:
                out[name] = {"missing": str(e), "install": "pip install envpool" if name == "envpool"
                             else "tools/peers --help (installs the peers extra)"}
                break
            except Exception as e:  # noqa: BLE001 (an unknown task id, ...): reported
                out[name] = {"error": f"{type(e).__name__}: {e}"}
                break
    print(json.dumps(out))


if __name__ == "__main__":
    main()
