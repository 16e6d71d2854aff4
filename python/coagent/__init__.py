"""coagent: deep RL policies trained without backpropagation, every neuron a local learner.

    import coagent
    env = coagent.make("MountainCarContinuous-v0")      # Gymnasium's API, C++ inside
    model = coagent.Agent("Pendulum-v1", preset="pendulum", seed=1)
    model.learn(200_000, callback=EvalCallback(...), progress_bar=True)   # as SB3's
    action, _ = model.predict(obs)
    print(model.evaluate(n_episodes=100))
    model.save("pendulum.ckpt")                          # loads in `coagent eval --load`

`Agent` also trains on any Python object with Gymnasium's reset/step API and Box
spaces (no gymnasium import needed), on a callable that makes one, or on a vector env
(gymnasium.vector.VectorEnv, SB3's VecEnv). Its callbacks and logger have SB3's shape
(coagent.callbacks, coagent.logger), so SB3's own work unchanged.
"""
from . import callbacks, logger
from ._coagent import DivergenceError
from ._version import __version__
from .agent import Agent
from .callbacks import BaseCallback, CallbackList
from .envs import CoagentEnv, env_ids, make
from .spaces import Box

__all__ = ["Agent", "BaseCallback", "Box", "CallbackList", "CoagentEnv", "DivergenceError",
           "__version__", "callbacks", "env_ids", "logger", "make"]
