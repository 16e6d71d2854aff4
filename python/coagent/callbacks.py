"""Callbacks of Stable-Baselines3's shape for Agent.learn.

Agent.learn drives a callback with SB3's protocol: init_callback(model), then
on_training_start(locals, globals), on_rollout_start(), on_step() after every step of
the environments in flight (n_envs environment steps; False stops training),
update_locals(locals), on_rollout_end() and on_training_end(). SB3's own callbacks
(EvalCallback, CheckpointCallback, StopTrainingOnRewardThreshold, CallbackList, ...)
follow it, so they work unchanged; so do subclasses of coagent.BaseCallback below, for
code that must not import SB3 (which needs torch).

When a callback runs, the learner stands still at a step boundary: model.predict,
model.save, model.evaluate, model.get_parameters and evaluation on another
environment all see that step's state.

`self.locals` holds SB3's keys where coagent has them: "self", "total_timesteps",
"callback", "log_interval", "dones" (one bool per environment in flight: an episode
ended in the step) and "infos" (per environment; {"episode": {"r", "l", "t"}} as SB3's
Monitor writes when an episode ended), plus "new_episodes" (coagent's episode records).
"""
from __future__ import annotations

from typing import Any, Callable, Optional


class BaseCallback:
    """SB3's BaseCallback protocol without SB3: override _on_step (and the others)."""

    def __init__(self, verbose: int = 0):
        self.verbose = verbose
        self.n_calls = 0
        self.num_timesteps = 0
        self.locals: dict = {}
        self.globals: dict = {}
        self.model = None
        self.training_env = None
        self.logger = None
        self.parent = None

    def init_callback(self, model) -> None:
        self.model = model
        self.training_env = model.get_env()
        self.logger = model.logger
        self._init_callback()

    def on_training_start(self, locals_: dict, globals_: dict) -> None:
        self.locals, self.globals = locals_, globals_
        self.num_timesteps = self.model.num_timesteps
        self._on_training_start()

    def on_rollout_start(self) -> None:
        self._on_rollout_start()

    def on_step(self) -> bool:
        self.n_calls += 1
        self.num_timesteps = self.model.num_timesteps
        return self._on_step()

    def on_rollout_end(self) -> None:
        self._on_rollout_end()

    def on_training_end(self) -> None:
        self._on_training_end()

    def update_locals(self, locals_: dict) -> None:
        self.locals.update(locals_)
        self.update_child_locals(locals_)

    def update_child_locals(self, locals_: dict) -> None:
        pass

    def _init_callback(self) -> None:
        pass

    def _on_training_start(self) -> None:
        pass

    def _on_rollout_start(self) -> None:
        pass

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        pass

    def _on_training_end(self) -> None:
        pass


class CallbackList(BaseCallback):
    """Several callbacks, called in order; training stops when any on_step is False."""

    def __init__(self, callbacks: list):
        super().__init__()
        self.callbacks = [as_callback(c) for c in callbacks]

    def _init_callback(self) -> None:
        for c in self.callbacks:
            c.init_callback(self.model)
            c.parent = self.parent

    def _on_training_start(self) -> None:
        for c in self.callbacks:
            c.on_training_start(self.locals, self.globals)

    def _on_rollout_start(self) -> None:
        for c in self.callbacks:
            c.on_rollout_start()

    def _on_step(self) -> bool:
        go_on = True
        for c in self.callbacks:
            go_on = bool(c.on_step()) and go_on  # every callback sees every step
        return go_on

    def _on_rollout_end(self) -> None:
        for c in self.callbacks:
            c.on_rollout_end()

    def _on_training_end(self) -> None:
        for c in self.callbacks:
            c.on_training_end()

    def update_child_locals(self, locals_: dict) -> None:
        for c in self.callbacks:
            c.update_locals(locals_)


class ConvertCallback(BaseCallback):
    """A plain function as a callback, as SB3's: fn(locals, globals) after every step;
    returning False stops training (None goes on)."""

    def __init__(self, fn: Callable[[dict, dict], Any], verbose: int = 0):
        super().__init__(verbose)
        self.fn = fn

    def _on_step(self) -> bool:
        return self.fn(self.locals, self.globals) is not False


_PROTOCOL = ("init_callback", "on_training_start", "on_step", "on_training_end", "update_locals")


def as_callback(callback) -> Optional[Any]:
    """None, a callback object (SB3's or coagent's), a list of them, or a function."""
    if callback is None:
        return None
    if isinstance(callback, (list, tuple)):
        return CallbackList(list(callback))
    if all(callable(getattr(callback, m, None)) for m in _PROTOCOL):
        return callback
    if callable(callback):
        return ConvertCallback(callback)
    raise TypeError(f"callback must be a callback object (SB3's BaseCallback or "
                    f"coagent.BaseCallback), a list of them or a function fn(locals, globals); "
                    f"got {type(callback).__name__}")
