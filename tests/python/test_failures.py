"""Python under failure: an environment raising mid-run with several in flight, a factory
failing on its Nth environment, Ctrl-C with several environments, with ARS, with DDPG and
during evaluate(), Ctrl-C while another thread learns, two threads learning on one agent,
DivergenceError, threads after `del agent`, and the interpreter exiting with agents alive.
Each asserts what the user gets: the error's type and message, and that the agent still
saves, loads and trains. A watchdog (faulthandler) ends a hung test with its stacks
instead of stalling the suite; nothing here depends on timing."""
import faulthandler
import os
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import coagent
from conftest import Forwarding


@pytest.fixture(autouse=True)
def watchdog():
    faulthandler.dump_traceback_later(240, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


class FailOnce(Forwarding):
    """`chain`, whose step number `at` raises once; later steps work again."""

    def __init__(self, at):
        super().__init__("chain")
        self.at, self.failed = at, False

    def step(self, action):
        if self.steps + 1 == self.at and not self.failed:
            self.failed = True
            self.steps += 1
            raise RuntimeError(f"sensor glitch at step {self.at}")
        return super().step(action)


def interrupted(call, seconds=0.3):
    """Runs `call` with SIGINT sent to this process `seconds` later: it must raise
    KeyboardInterrupt."""
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            call()
    finally:
        timer.cancel()


def reloads(agent, tmp_path, env=None):
    path = tmp_path / "after.ckpt"
    agent.save(path)
    again = coagent.Agent.load(path, env=env) if env is not None else coagent.Agent.load(path)
    assert again.digest == agent.digest and again.steps_done == agent.steps_done


@pytest.mark.parametrize("mode", ["lockstep", "async"])
def test_an_environment_raising_with_several_in_flight(tmp_path, mode):
    """The third of four environments fails at its 40th step: learn() raises that error
    (not another one from the environments still in flight), and the agent saves, loads and
    trains on."""
    made = []

    def factory():
        made.append(1)
        return FailOnce(40) if len(made) == 3 else Forwarding("chain")

    agent = coagent.Agent(factory, seed=1, envs=4, mode=mode, threads=2, hidden=[8])
    with pytest.raises(RuntimeError, match="^sensor glitch at step 40$"):
        agent.learn(5000)
    done = agent.steps_done
    assert 0 < done < 5000
    reloads(agent, tmp_path, env=lambda: Forwarding("chain"))
    agent.learn(500)
    assert agent.steps_done == done + 500


def test_a_factory_failing_on_its_nth_environment():
    made = []

    def factory():
        made.append(1)
        if len(made) == 3:
            raise OSError("no licence for environment 3")
        return Forwarding("chain")

    with pytest.raises(OSError, match="no licence for environment 3"):
        coagent.Agent(factory, seed=1, envs=4)
    assert len(made) == 3  # it stopped at the failing one


@pytest.mark.parametrize("kind", ["async-4-envs", "ars", "ddpg"])
def test_ctrl_c_stops_every_algorithm_with_the_state_intact(tmp_path, kind):
    make = {"async-4-envs": lambda: coagent.Agent(lambda: Forwarding("mountaincar"), preset="mountaincar",
                                                  seed=1, envs=4, mode="async", threads=2),
            "ars": lambda: coagent.Agent("mountaincar", algo="ars", seed=1, threads=2),
            "ddpg": lambda: coagent.Agent("pendulum", algo="ddpg", seed=1, ddpg_actor_hidden=[16, 16],
                                          ddpg_critic_hidden=[16, 16], ddpg_learning_starts=100)}[kind]
    agent = make()
    interrupted(lambda: agent.learn(100_000_000))
    done = agent.steps_done
    assert 0 < done < 100_000_000
    reloads(agent, tmp_path, env=(lambda: Forwarding("mountaincar")) if kind == "async-4-envs" else None)
    agent.learn(400)  # no stop request left over: it runs its budget
    assert agent.steps_done >= done + 400


def test_ctrl_c_during_evaluate():
    """An evaluation of a million episodes ends at Ctrl-C with KeyboardInterrupt (it used
    to run to its end first); the agent is unchanged and learns on."""
    agent = coagent.Agent("mountaincar", preset="mountaincar", seed=1).learn(2000)
    before = agent.digest
    interrupted(lambda: agent.evaluate(1_000_000))
    assert agent.digest == before
    agent.learn(500)
    assert agent.steps_done == 2500
    assert agent.evaluate(2)["episodes"] == 2


def test_ctrl_c_while_another_thread_learns():
    """SIGINT goes to the main thread (Python's rule): the main thread gets
    KeyboardInterrupt, and the learning thread runs its budget untouched."""
    agent = coagent.Agent("mountaincar", preset="mountaincar", seed=1, mode="lockstep")
    errors = []

    def learn():
        try:
            agent.learn(300_000)
        except BaseException as e:  # noqa: BLE001 (recorded, asserted below)
            errors.append(e)

    worker = threading.Thread(target=learn)
    worker.start()
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        worker.join()
    worker.join()
    assert not errors and agent.steps_done == 300_000


def test_two_threads_learning_on_one_agent():
    agent = coagent.Agent("mountaincar", preset="mountaincar", seed=1, mode="lockstep")
    errors, started = [], threading.Barrier(2)

    def learn():
        started.wait()
        try:
            agent.learn(200_000)
        except RuntimeError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=learn) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Either the second call found the agent busy, or (if the first had finished) both ran.
    assert (errors == ["this agent is busy: learn(), evaluate() or save() is running on another thread"]
            and agent.steps_done == 200_000) or (not errors and agent.steps_done == 400_000)


def test_divergence_error_through_python():
    agent = coagent.Agent("pendulum", seed=1, alpha_critic=10, alpha_actor=10, reward_scale=1e6,
                          mode="async", envs=2, threads=2)
    with pytest.raises(coagent.DivergenceError, match=r"^diverged: layer \d+, neuron \d+: .* at step \d+$"):
        agent.learn(100_000)
    assert issubclass(coagent.DivergenceError, RuntimeError)
    assert agent.steps_done < 100_000


def os_threads():
    return len(os.listdir("/proc/self/task"))


def test_no_thread_or_python_thread_state_grows_with_agents():
    """Agents come and go (async, Python environments stepped on worker threads): after
    the first one the process's threads and Python's thread records stay where they were."""
    def lifecycle():
        agent = coagent.Agent(lambda: Forwarding("chain"), seed=1, envs=4, mode="async", threads=2,
                              hidden=[8])
        agent.learn(3000)
        del agent

    lifecycle()
    threads, records = os_threads(), len(threading.enumerate())
    for _ in range(3):
        lifecycle()
    assert os_threads() <= threads
    assert len(threading.enumerate()) <= records


@pytest.mark.parametrize("when", ["idle", "learning"])
def test_the_interpreter_exits_with_agents_alive(when):
    """Python exits while agents (and their worker threads, which hold Python thread
    states for the Python environments) are alive, or while one learns on a daemon thread:
    exit status 0, no fatal error, no hang."""
    script = textwrap.dedent(f"""
        import sys, threading
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        import coagent
        from conftest import Forwarding
        a = coagent.Agent(lambda: Forwarding("chain"), seed=1, envs=4, mode="async", threads=2, hidden=[8])
        a.learn(2000)
        b = coagent.Agent("mountaincar", algo="ars", seed=1, threads=2).learn(2000)
        c = coagent.Agent("pendulum", algo="ddpg", seed=1, ddpg_actor_hidden=[8], ddpg_critic_hidden=[8],
                          ddpg_learning_starts=50).learn(200)
        if {when!r} == "learning":
            going = threading.Event()
            def learn():
                going.set()
                a.learn(10_000_000)
            threading.Thread(target=learn, daemon=True).start()
            going.wait()
        print("exiting", flush=True)
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=200,
                       env={**os.environ})
    assert r.returncode == 0, r.stderr[-2000:]
    assert "exiting" in r.stdout
    assert "Fatal Python error" not in r.stderr


class GoesUnstable(Forwarding):
    """Hopper-v5 whose step number `at` first kicks the simulation (huge velocities), as a
    bad model or action scale would: MuJoCo warns, and the step is an error."""

    def __init__(self, at):
        super().__init__("Hopper-v5")
        self.at = at

    def step(self, action):
        if self.steps + 1 == self.at:
            qpos = np.array([0, 1.25, 0, 0, 0, 0.0])
            self.inner.unwrapped.set_state(qpos, np.full(6, 1e12))
        return super().step(action)


def test_an_unstable_simulation_mid_run_with_several_environments(tmp_path):
    """MuJoCo goes unstable in one of four environments stepped by async workers: learn()
    raises that one error (naming the task, the step and MuJoCo's warning), the checkpoint
    saved before is intact, and the agent itself still saves."""
    made = []

    def factory():
        made.append(1)
        return GoesUnstable(1500) if len(made) == 2 else Forwarding("Hopper-v5")

    agent = coagent.Agent(factory, preset="hopper", seed=1, envs=4, mode="async", threads=2)
    agent.learn(2000)
    saved = tmp_path / "before.ckpt"
    agent.save(saved)
    digest = agent.digest
    with pytest.raises(RuntimeError, match=r"^Hopper-v5: step \d+: MuJoCo warning: Nan, Inf or huge value"):
        agent.learn(20_000)
    assert coagent.Agent.load(saved, env=lambda: Forwarding("Hopper-v5")).digest == digest
    agent.save(tmp_path / "after.ckpt")
    assert coagent.Agent.load(tmp_path / "after.ckpt", env=lambda: Forwarding("Hopper-v5")).digest == agent.digest
