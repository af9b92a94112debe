"""htrmrl from Python: the meta-RL benchmarks as batched NumPy environments (docs/python.md).

The environments live in the native extension ``htrmrl._envs``, which links no LibTorch, so
``import htrmrl`` stays quick; agents and training will come as extensions of their own.
"""

from htrmrl._envs import Error, Task, VectorEnv, benchmarks, make

__all__ = ["Error", "Task", "VectorEnv", "benchmarks", "make"]
