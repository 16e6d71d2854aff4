"""tools/peers (python/coagent/peers.py): the SB3 peers' rows in exp2's format, and its
one-line errors."""
import json
import os
import subprocess
import sys

import pytest

RUNNER = os.path.join(os.path.dirname(__file__), "..", "..", "python", "coagent", "peers.py")


def run(*args):
    return subprocess.run([sys.executable, RUNNER, *map(str, args)], capture_output=True, text=True,
                          timeout=600)


def test_rows_in_exp2s_format(tmp_path):
    out = run("--env", "Pendulum-v1", "--algos", "ars,td3", "--seeds", 1, "--steps", 1200,
              "--eval-episodes", 2, "--curve-episodes", 1, "--csv", tmp_path / "runs.csv")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("Peers: Pendulum-v1, 1200 steps per run, seeds 1..1")
    assert any(l.startswith("hyperparameters: td3 from RL Zoo td3.yml Pendulum-v1") for l in lines)
    header = next(l for l in lines if l.startswith("| column |"))
    assert "solved (final, 2 episodes)" in header and header.endswith("| env steps/s |")
    rows = [l for l in lines if l.startswith("| ars (sb3-contrib) |") or l.startswith("| td3 (stable-baselines3) |")]
    assert len(rows) == 2 and all(r.count("|") == 9 for r in rows)
    assert len(open(tmp_path / "runs.csv").read().strip().splitlines()) == 3  # header + 2 runs


def test_json_is_deterministic_per_seed():
    a = run("--env", "Pendulum-v1", "--algos", "ars", "--seeds", 1, "--steps", 800, "--eval-episodes", 1,
            "--curve-episodes", 1, "--json")
    b = run("--env", "Pendulum-v1", "--algos", "ars", "--seeds", 1, "--steps", 800, "--eval-episodes", 1,
            "--curve-episodes", 1, "--json")
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    assert ja["runs"][0]["final_mean_return"] == jb["runs"][0]["final_mean_return"]
    assert ja["summary"]["ars"]["runs"] == 1


@pytest.mark.parametrize("args, message", [
    (["--algos", "ppo"], "ppo"),
    (["--env", "NoSuchEnv-v0"], "NoSuchEnv-v0"),
    (["--env", "CartPole-v1"], "CartPole-v1"),
    (["--steps", "0"], "--steps"),
    (["--seeds", "1001"], "--seeds"),
    (["--csv", "/no/such/dir/x.csv"], "/no/such/dir/x.csv"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    out = run(*args)
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert message in out.stderr and "Traceback" not in out.stderr
    assert len([l for l in out.stderr.splitlines() if l.strip()]) <= 2  # argparse adds its usage line
