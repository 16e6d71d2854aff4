"""Stable-Baselines3 peers: TD3, SAC, DDPG (stable-baselines3) and ARS (sb3-contrib) over
seeds on a Gymnasium environment, on the same budget of environment steps, as a table in
the form of `coagent exp2`.

    python python/coagent/peers.py --env Pendulum-v1 --algos td3,ars --seeds 3 --steps 20000

Each (algorithm, seed) run trains on gymnasium.make(env) for --steps environment steps
(model.learn(total_timesteps=steps); ARS finishes its last iteration, so it may use a few
more, and says so), with a learning curve of greedy evaluations every --eval-every steps
and a final greedy evaluation on fresh episodes (reset seeds 1000000+seed+i).

Hyperparameters are RL Zoo's (DLR-RM/rl-baselines3-zoo, hyperparams/td3.yml, sac.yml,
ddpg.yml and ars.yml), copied below as dicts. The zoo's -v4 MuJoCo entries are used for
the -v5 environments; n_timesteps is not used (the budget is --steps for every
algorithm). Where the zoo has no entry (InvertedPendulum, InvertedDoublePendulum,
Reacher and any other environment), the file's defaults anchor is used: td3/ddpg/sac
`&mujoco-defaults` (HalfCheetah-v4), ars `&pybullet-defaults` (HalfCheetahBulletEnv-v0,
as its ReacherBulletEnv-v0 entry); the output says so. ARS's `normalize` is a
VecNormalize on the training envs; evaluations normalize observations with the training
statistics frozen (VecNormalize.normalize_obs, which never updates them).

Needs the `peers` extra (pip install 'coagent[peers]') and CPU torch. It imports nothing
from coagent, so it runs as a script as well as `python -m coagent.peers`.
"""
import argparse
import csv
import json
import math
import os
import sys
import time

ALGOS = {"td3": "stable-baselines3", "sac": "stable-baselines3", "ddpg": "stable-baselines3",
         "ars": "sb3-contrib"}
MUJOCO = ["InvertedPendulum", "InvertedDoublePendulum", "Reacher", "Swimmer", "Hopper",
          "HalfCheetah", "Walker2d", "Ant"]

# td3.yml and ddpg.yml hold the same values for these environments.
_OFF_MC = dict(policy="MlpPolicy", noise_type="ornstein-uhlenbeck", noise_std=0.5, gradient_steps=1,
               train_freq=1, learning_rate=1e-3, batch_size=256, policy_kwargs=dict(net_arch=[400, 300]))
_OFF_PENDULUM = dict(policy="MlpPolicy", gamma=0.98, buffer_size=200000, learning_starts=10000,
                     noise_type="normal", noise_std=0.1, gradient_steps=1, train_freq=1,
                     learning_rate=1e-3, policy_kwargs=dict(net_arch=[400, 300]))
_OFF_MUJOCO = dict(policy="MlpPolicy", learning_starts=10000, noise_type="normal", noise_std=0.1,
                   train_freq=1, gradient_steps=1, learning_rate=1e-3, batch_size=256,
                   policy_kwargs=dict(net_arch=[400, 300]))
_SAC_MUJOCO = dict(policy="MlpPolicy", learning_starts=10000)
_ARS_PENDULUM = dict(n_envs=1, policy="MlpPolicy", normalize=dict(norm_obs=True, norm_reward=False),
                     learning_rate=0.018, n_delta=4, n_top=1, delta_std=0.1,
                     policy_kwargs=dict(net_arch=[16]), zero_policy=False)
_ARS_NORM = dict(norm_obs=True, norm_reward=False)


def _ars_linear(lr, std, n_delta, n_top, offset, normalize=_ARS_NORM):
    d = dict(n_envs=1, policy="LinearPolicy", learning_rate=lr, delta_std=std, n_delta=n_delta,
             n_top=n_top, alive_bonus_offset=offset)
    return {**d, "normalize": normalize} if normalize else d


ZOO = {
    "td3": {"MountainCarContinuous-v0": _OFF_MC, "Pendulum-v1": _OFF_PENDULUM,
            **{f"{e}-v4": _OFF_MUJOCO for e in ("HalfCheetah", "Ant", "Hopper", "Walker2d")},
            "Swimmer-v4": {**_OFF_MUJOCO, "gamma": 0.9999}},
    "sac": {"MountainCarContinuous-v0": dict(
                policy="MlpPolicy", learning_rate=3e-4, buffer_size=50000, batch_size=512,
                ent_coef=0.1, train_freq=32, gradient_steps=32, gamma=0.9999, tau=0.01,
                learning_starts=0, use_sde=True,
                policy_kwargs=dict(log_std_init=-3.67, net_arch=[64, 64])),
            "Pendulum-v1": dict(policy="MlpPolicy", learning_rate=1e-3),
            **{f"{e}-v4": _SAC_MUJOCO for e in ("HalfCheetah", "Ant", "Hopper", "Walker2d")},
            "Swimmer-v4": {**_SAC_MUJOCO, "gamma": 0.9999}},
    "ars": {"Pendulum-v1": _ARS_PENDULUM,
            "MountainCarContinuous-v0": {**_ARS_PENDULUM, "delta_std": 0.2},
            "Swimmer-v4": _ars_linear(0.02, 0.01, 1, 1, 0, normalize=None),
            "Hopper-v4": _ars_linear(0.01, 0.025, 8, 4, -1),
            "HalfCheetah-v4": _ars_linear(0.02, 0.03, 32, 4, 0),
            "Walker2d-v4": _ars_linear(0.03, 0.025, 40, 30, -1),
            "Ant-v4": _ars_linear(0.015, 0.025, 60, 20, -1)},
}
ZOO["ddpg"] = ZOO["td3"]
# Used where the algorithm's file has no entry for the environment: (anchor, its entry, values).
DEFAULTS = {"td3": ("mujoco-defaults", "HalfCheetah-v4", _OFF_MUJOCO),
            "ddpg": ("mujoco-defaults", "HalfCheetah-v4", _OFF_MUJOCO),
            "sac": ("mujoco-defaults", "HalfCheetah-v4", _SAC_MUJOCO),
            "ars": ("pybullet-defaults", "HalfCheetahBulletEnv-v0", dict(
                n_envs=1, policy="MlpPolicy", learning_rate=0.02, delta_std=0.03, n_delta=8, n_top=8,
                alive_bonus_offset=0, normalize=_ARS_NORM, policy_kwargs=dict(net_arch=[64, 64]),
                zero_policy=False))}
PENDULUM_CRITERION = -200.0


class Bad(Exception):
    """A bad argument: one line on stderr, exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block; argparse's exit code 2
        self.exit(2, f"peers: {message}\n")


def hyperparameters(algo, env_id):
    """(values, description) from RL Zoo for algo on env_id."""
    key = env_id[:-3] + "-v4" if env_id.endswith("-v5") else env_id
    if key in ZOO[algo]:
        via = f" (its -v4 entry, run on {env_id})" if key != env_id else ""
        return dict(ZOO[algo][key]), f"{algo} from RL Zoo {algo}.yml {key}{via}"
    anchor, entry, values = DEFAULTS[algo]
    return dict(values), (f"{algo}: RL Zoo {algo}.yml has no {env_id} entry; using its "
                          f"&{anchor} ({entry})")


def summary_text(hp):
    parts = []
    for k, v in hp.items():
        if k == "noise_type":
            parts.append(f"{v} action noise {hp['noise_std']}")
        elif k == "normalize":
            parts.append("VecNormalize(" + ", ".join(f"{a}={b}" for a, b in v.items()) + ")")
        elif k != "noise_std":
            parts.append(f"{k} {v}")
    return ", ".join(parts)


def criterion(gym, env_id):
    """(threshold or None, sentence)."""
    threshold = gym.spec(env_id).reward_threshold
    if threshold is not None:
        return float(threshold), (f"greedy mean return >= {threshold:g} (Gymnasium reward_threshold "
                                  f"of {env_id})")
    if env_id == "Pendulum-v1":
        return PENDULUM_CRITERION, ("greedy mean return >= -200 (Pendulum-v1 has no reward_threshold; "
                                    "-200 is this runner's criterion)")
    return None, f"n/a ({env_id} has no reward_threshold)"


def evaluate(model, env, vecnorm, episodes, seed0):
    """Mean return of greedy episodes, episode i reset with seed seed0 + i."""
    total = 0.0
    for i in range(episodes):
        obs, _ = env.reset(seed=seed0 + i)
        done = False
        while not done:
            o = vecnorm.normalize_obs(obs) if vecnorm is not None else obs
            action, _ = model.predict(o, deterministic=True)
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            done = terminated or truncated
    return total / episodes


def run_one(libs, algo, env_id, hp, seed, a, threshold):
    gym, np, sb3, contrib, vec = libs
    t0 = time.perf_counter()
    hp = dict(hp)
    n_envs = hp.pop("n_envs", 1)
    normalize = hp.pop("normalize", None)
    policy = hp.pop("policy")
    noise_type, noise_std = hp.pop("noise_type", None), hp.pop("noise_std", None)
    vecnorm = None
    if algo == "ars":
        env = vec.DummyVecEnv([lambda: gym.make(env_id)] * n_envs)
        if normalize:
            kw = normalize if isinstance(normalize, dict) else {}
            env = vecnorm = vec.VecNormalize(env, **kw)
        model = contrib.ARS(policy, env, seed=seed, device="cpu", verbose=0, **hp)
    else:
        env = gym.make(env_id)
        if noise_type:
            n = env.action_space.shape[-1]
            cls = {"normal": sb3.common.noise.NormalActionNoise,
                   "ornstein-uhlenbeck": sb3.common.noise.OrnsteinUhlenbeckActionNoise}[noise_type]
            hp["action_noise"] = cls(mean=np.zeros(n), sigma=noise_std * np.ones(n))
        cls = {"td3": sb3.TD3, "sac": sb3.SAC, "ddpg": sb3.DDPG}[algo]
        model = cls(policy, env, seed=seed, device="cpu", verbose=0, **hp)

    eval_env = gym.make(env_id)
    curve, eval_s = [], [0.0]

    def point(step):
        e0 = time.perf_counter()
        ret = evaluate(model, eval_env, vecnorm, a.curve_episodes, 10**9 + seed * 10**7 + step)
        curve.append((step, ret))
        eval_s[0] += time.perf_counter() - e0

    class Curve(sb3.common.callbacks.BaseCallback):
        next_at = a.eval_every

        def _on_step(self):
            if self.num_timesteps >= self.next_at and self.next_at <= a.steps:  # not past the budget
                point(self.num_timesteps)
                while self.next_at <= self.num_timesteps:
                    self.next_at += a.eval_every
            return True

    point(0)  # before training
    curve_s0 = eval_s[0]
    l0 = time.perf_counter()
    model.learn(total_timesteps=a.steps, callback=Curve())
    train_s = time.perf_counter() - l0 - (eval_s[0] - curve_s0)  # learn() less its curve points
    env_steps = int(model.num_timesteps)
    final_env = gym.make(env_id)  # fresh episodes on an env of their own
    final = evaluate(model, final_env, vecnorm, a.eval_episodes, 1000000 + seed)
    for e in (env, eval_env, final_env):
        e.close()
    solve = next((s for s, r in curve if threshold is not None and r >= threshold), -1)
    return dict(column=algo, seed=seed, final_mean_return=final,
                solved=None if threshold is None else final >= threshold,
                steps_to_solve=solve if threshold is not None else None,
                wall_seconds=time.perf_counter() - t0, env_steps=env_steps,
                steps_per_second=env_steps / max(train_s, 1e-9), curve=curve)


def steps_text(s):
    return "n/a" if s is None else ("never" if s < 0 else str(s))


def summarise(runs, algo):
    rs = [r for r in runs if r["column"] == algo]
    finals = [r["final_mean_return"] for r in rs]
    s = dict(runs=len(rs), mean_return=sum(finals) / len(rs), min_return=min(finals),
             max_return=max(finals), mean_wall_seconds=sum(r["wall_seconds"] for r in rs) / len(rs),
             steps_per_second=sum(r["env_steps"] for r in rs) /
             sum(r["env_steps"] / r["steps_per_second"] for r in rs))
    if rs[0]["solved"] is None:
        s.update(solved=None, reached=None, solved_at_start=None, median_steps_to_solve=None)
        return s
    steps = sorted(r["steps_to_solve"] if r["steps_to_solve"] >= 0 else math.inf for r in rs)
    m = steps[(len(steps) - 1) // 2]  # the lower median, as exp2: "never" sorts last
    s.update(solved=sum(r["solved"] for r in rs), reached=sum(r["steps_to_solve"] >= 0 for r in rs),
             solved_at_start=sum(r["steps_to_solve"] == 0 for r in rs),
             median_steps_to_solve=-1 if m == math.inf else int(m))
    return s


def frac(k, n):
    return "n/a" if k is None else f"{k}/{n}"


def parse(argv):
    p = Parser(prog="peers", description=" ".join(__doc__.split("\n\n")[0].split()))
    p.add_argument("--env", default="Pendulum-v1")
    p.add_argument("--algos", default="td3,ars", help="comma-separated: td3, sac, ddpg, ars")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--first-seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=20000)
    p.add_argument("--eval-episodes", type=int, default=10)
    p.add_argument("--eval-every", type=int, help="steps between curve points (default steps/10)")
    p.add_argument("--curve-episodes", type=int, default=5)
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--csv", help="write one row per run to this file")
    a = p.parse_args(argv)
    a.algos = [x.strip() for x in a.algos.split(",")]
    for x in a.algos:
        if x not in ALGOS:
            raise Bad(f"--algos: unknown algorithm '{x}' (choose from {', '.join(ALGOS)})")
    a.algos = list(dict.fromkeys(a.algos))
    if a.steps < 1:
        raise Bad(f"--steps: {a.steps} must be at least 1")
    if not 1 <= a.seeds <= 1000:
        raise Bad(f"--seeds: {a.seeds} is out of range [1, 1000]")
    if a.first_seed < 0:
        raise Bad(f"--first-seed: {a.first_seed} must be at least 0")
    a.eval_every = max(1, a.steps // 10) if a.eval_every is None else a.eval_every
    for flag in ("eval_episodes", "eval_every", "curve_episodes", "threads"):
        if getattr(a, flag) < 1:
            raise Bad(f"--{flag.replace('_', '-')}: {getattr(a, flag)} must be at least 1")
    if a.csv is not None:
        existed = os.path.exists(a.csv)
        try:  # a real write test, leaving no file behind
            open(a.csv, "a").close()
            if not existed:
                os.remove(a.csv)
        except OSError:
            raise Bad(f"--csv: cannot write '{a.csv}'") from None
    return a


def load_libs():
    try:
        import gymnasium as gym
        import numpy as np
        import sb3_contrib as contrib
        import stable_baselines3 as sb3
        import stable_baselines3.common.callbacks  # noqa: F401 (sb3.common.callbacks)
        import stable_baselines3.common.noise  # noqa: F401
        import stable_baselines3.common.vec_env as vec
        import torch
    except ImportError as e:
        raise Bad(f"missing {e.name or e}: pip install 'coagent[peers]' (torch must be the CPU wheel: "
                  f"pip install torch==2.13.0)") from None
    return (gym, np, sb3, contrib, vec), torch


def check_env(gym, env_id):
    try:
        gym.spec(env_id)
    except Exception:
        raise Bad(f"--env: unknown environment '{env_id}'") from None
    try:
        env = gym.make(env_id)
    except Exception as e:
        raise Bad(f"--env: cannot make '{env_id}': {str(e).strip().splitlines()[0]}") from None
    box = isinstance(env.action_space, gym.spaces.Box)
    env.close()
    if not box:
        raise Bad(f"--env: '{env_id}' has a {type(env.action_space).__name__} action space; the peers "
                  f"need continuous (Box) actions")


def main(argv=None) -> int:
    try:
        a = parse(argv)
        libs, torch = load_libs()
        gym, _, sb3, contrib, _ = libs
        check_env(gym, a.env)
    except Bad as e:
        print(f"peers: {e}", file=sys.stderr)
        return 2
    torch.set_num_threads(a.threads)
    threshold, rule = criterion(gym, a.env)
    hps = {algo: hyperparameters(algo, a.env) for algo in a.algos}
    out = sys.stderr if a.json else sys.stdout
    last = a.first_seed + a.seeds - 1
    print(f"Peers: {a.env}, {a.steps} steps per run, seeds {a.first_seed}..{last}, torch "
          f"{torch.__version__} ({a.threads} thread{'s' if a.threads > 1 else ''}), stable-baselines3 "
          f"{sb3.__version__}, sb3-contrib {contrib.__version__}, gymnasium {gym.__version__}", file=out)
    for algo, (hp, where) in hps.items():
        print(f"hyperparameters: {where} ({summary_text(hp)})", file=out)
        if hp.get("learning_starts", 0) >= a.steps:
            print(f"  note: {algo} learning_starts {hp['learning_starts']} >= {a.steps} steps: "
                  f"no gradient updates in this budget", file=out)
    print(f"solved: {rule}; learning curve every {a.eval_every} steps on {a.curve_episodes} greedy "
          f"episodes; env steps/s counts training time only", file=out)
    runs, total = [], len(a.algos) * a.seeds
    for algo in a.algos:
        for seed in range(a.first_seed, last + 1):
            r = run_one(libs, algo, a.env, hps[algo][0], seed, a, threshold)
            runs.append(r)
            if not a.json:
                tag = "" if not r["solved"] else " (solved)"
                extra = f", {r['env_steps']} env steps" if r["env_steps"] != a.steps else ""
                print(f"  [{len(runs)}/{total}] {algo} seed {seed}: final {r['final_mean_return']:.1f}"
                      f"{tag}, solved at {steps_text(r['steps_to_solve'])}, {r['wall_seconds']:.0f} s"
                      f"{extra}", file=sys.stderr, flush=True)
    summary = {algo: summarise(runs, algo) for algo in a.algos}
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["column", "seed", "final_mean_return", "solved", "steps_to_solve",
                        "wall_seconds", "env_steps", "steps_per_second", "curve"])
            for r in runs:
                w.writerow([r["column"], r["seed"], f"{r['final_mean_return']:.4f}",
                            "" if r["solved"] is None else int(r["solved"]),
                            "" if r["steps_to_solve"] is None else r["steps_to_solve"],
                            f"{r['wall_seconds']:.2f}", r["env_steps"], f"{r['steps_per_second']:.1f}",
                            " ".join(f"{s}:{v:.3f}" for s, v in r["curve"])])
    if a.json:
        keys = ("column", "seed", "final_mean_return", "solved", "steps_to_solve", "wall_seconds",
                "steps_per_second", "env_steps")
        print(json.dumps(dict(env=a.env, steps=a.steps, seeds=a.seeds, first_seed=a.first_seed,
                              criterion=threshold, summary=summary,
                              runs=[{k: r[k] for k in keys} for r in runs])))
        return 0
    print(f"\n| column | solved (final, {a.eval_episodes} episodes) | mean final return (min..max) | "
          "reached criterion during training | solved before training | median steps to solve | "
          "wall s per run (with its evaluations) | env steps/s |")
    print("|---|---|---|---|---|---|---|---|")
    for algo, s in summary.items():
        n = s["runs"]
        print(f"| {algo} ({ALGOS[algo]}) | {frac(s['solved'], n)} | {s['mean_return']:.1f} "
              f"({s['min_return']:.1f}..{s['max_return']:.1f}) | {frac(s['reached'], n)} | "
              f"{frac(s['solved_at_start'], n)} | {steps_text(s['median_steps_to_solve'])} | "
              f"{s['mean_wall_seconds']:.1f} | {s['steps_per_second']:.0f} |")
    for algo in a.algos:
        used = sorted({r["env_steps"] for r in runs if r["column"] == algo and r["env_steps"] != a.steps})
        if used:
            unit = "iteration (2 x n_delta episodes)" if algo == "ars" else "rollout (train_freq)"
            print(f"{algo} used {'/'.join(map(str, used))} env steps per run, not {a.steps}: learn() "
                  f"finishes its last {unit}; the curve stops at {a.steps}")
    print("\nper seed: final greedy return / steps to solve\n| seed | " + " | ".join(a.algos) + " |")
    print("|---|" + "---|" * len(a.algos))
    for seed in range(a.first_seed, last + 1):
        cells = [f"{r['final_mean_return']:.1f} / {steps_text(r['steps_to_solve'])}"
                 for algo in a.algos for r in runs if r["column"] == algo and r["seed"] == seed]
        print(f"| {seed} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
