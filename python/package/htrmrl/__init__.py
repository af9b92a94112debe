"""htrmrl from Python (docs/python.md): the meta-RL benchmarks as batched NumPy environments,
trained agents, and training runs.

The environments live in the native extension ``htrmrl._envs``, which links no LibTorch, so
``import htrmrl`` stays quick; agents and training live in ``htrmrl._agents`` (LibTorch),
imported on the first call that needs it.
"""

from htrmrl._envs import Error, Task, VectorEnv, benchmarks, make
from htrmrl.runs import Run, config, load_agent, read_run, resume, train

__all__ = ["Error", "Task", "VectorEnv", "benchmarks", "make",
           "Agent", "Policy", "Run", "config", "load_agent", "read_run", "resume", "train"]


def __getattr__(name):
    # htrmrl.Agent and htrmrl.Policy, the classes load_agent and Agent.policy return, without
    # loading LibTorch at import.
    if name in ("Agent", "Policy"):
        from htrmrl import _agents

        return getattr(_agents, name)
    raise AttributeError(f"module 'htrmrl' has no attribute '{name}'")
