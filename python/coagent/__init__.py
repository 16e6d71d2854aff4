"""coagent: deep RL policies trained without backpropagation, every neuron a local learner.

    import coagent
    env = coagent.make("MountainCarContinuous-v0")      # Gymnasium's API, C++ inside
    agent = coagent.Agent("mountaincar", preset="mountaincar", seed=1)
    agent.learn(200_000, progress_bar=True)
    print(agent.evaluate(n_episodes=100))
    agent.save("mc.ckpt")                               # loads in `coagent eval --load`

`Agent` also trains on any Python object with Gymnasium's reset/step API and Box
spaces (no gymnasium import needed), or on a callable that makes one.
"""
from ._coagent import DivergenceError
from ._version import __version__
from .agent import Agent
from .envs import CoagentEnv, env_ids, make
from .spaces import Box

__all__ = ["Agent", "Box", "CoagentEnv", "DivergenceError", "__version__", "env_ids", "make"]
