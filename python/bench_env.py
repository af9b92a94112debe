"""Env steps/s of htrmrl.make("ml1-push", 16, seed=1) stepped with random actions from a Python
loop, against the same episodes stepped by a lone C++ Env in a C++ loop: the Python module's
overhead (docs/benchmarks.md).

PYTHONPATH=build/python /usr/bin/python3 python/bench_env.py \
    [--benchmark ml1-push] [--seconds 2] [--rounds 3] [--json FILE]
"""

import argparse
import json
import platform
import sys
import time

import numpy as np

import htrmrl
from htrmrl._envs import _testing

SEED = 1


def python_loop(env, actions, seconds):
    """Whole episodes of the given actions from a Python loop, for at least `seconds`."""
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        env.reset()
        for a in actions:
            env.step(a)
        steps += len(actions) * env.num_envs
    return steps / (time.perf_counter() - start)


def cpp_loop(env, actions, seconds):
    """The same episodes (each row's task and actions) stepped by lone C++ Envs for `seconds`;
    the rate counts only the C++-timed resets and steps, not each call's benchmark set-up."""
    steps, timed, start = 0, 0.0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for row, task in enumerate(env.task_indices):
            timed += _testing.single_env_episode(env.benchmark, SEED, env.split, int(task), row,
                                                 actions[:, row])["seconds"]
            steps += len(actions)
    return steps / timed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", default="ml1-push")
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0, help="per loop and round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="Python and C++ loops alternate; the medians are reported")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    env = htrmrl.make(args.benchmark, args.num_envs, seed=SEED, threads=args.threads)
    rng = np.random.default_rng(SEED)
    # Drawn up front, so the loop times stepping, not the random generator: one episode.
    actions = rng.uniform(-1, 1, size=(env.max_episode_steps,) + env.action_shape)
    actions = actions.astype(np.float32)
    python_loop(env, actions[:10], 0.0)  # warm-up
    rounds = [(python_loop(env, actions, args.seconds), cpp_loop(env, actions, args.seconds))
              for _ in range(args.rounds)]
    python, cpp = np.median(rounds, axis=0)
    figures = {
        "benchmark": args.benchmark,
        "num_envs": args.num_envs,
        "threads": args.threads,
        "rounds": args.rounds,
        "python_env_steps_per_s": round(python),
        "cpp_env_steps_per_s": round(cpp),
        "python_over_cpp": round(python / cpp, 3),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "machine": platform.machine(),
    }
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
