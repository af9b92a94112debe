"""A trained agent from models/: meta-tested as `htrmrl eval` does it, then acting for trials on
the held-out goals from a Python loop. Last, a tiny training run from a dict, its metrics read back.

Run from the repository root after building:
PYTHONPATH=build/python /usr/bin/python3 python/examples/trained_agent.py
"""

import pathlib
import tempfile

import numpy as np

import htrmrl

MODELS = pathlib.Path(__file__).resolve().parents[2] / "models"

# Meta-World's protocol on the held-out goals: the numbers `htrmrl eval --run` prints.
agent = htrmrl.load_agent(MODELS / "point-robot-sparse")
result = agent.meta_test()
print(f"meta-test success {result['success']:.3f}, by episode",
      np.round(result["success_by_episode"], 3))

# The same agent acting from Python: 10 trials on each held-out goal (row i runs goal i % 10),
# one policy row per trial, its memory kept inside; mean actions, as the config meta-tests.
E = agent.episodes_per_trial
env = htrmrl.make(agent.benchmark, num_envs=100, seed=agent.seed, split="test")
policy = agent.policy(env.num_envs, seed=1, deterministic=True)
obs, info = env.reset()
policy.reset(obs)  # fresh trials: memory wiped, the first episode starts at obs
success = np.zeros((env.num_envs, E), bool)
while (policy.episodes < E).any():
    episode = policy.episodes.copy()  # each row's episode index before this step
    obs, rewards, terminated, truncated, info = env.step(policy.act())
    # After an episode ends, the env's next step is its automatic reset; observe() takes that
    # observation as the next episode's first.
    policy.observe(obs, rewards, terminated | truncated)
    playing = episode < E
    success[playing, episode[playing]] |= info["success"][playing]
print("from Python: success by episode", success.mean(axis=0).round(3))
print("z_task of the last step:", policy.embeddings().shape)

# A tiny training run from a dict (keys as in the TOML files; the rest keep their defaults).
with tempfile.TemporaryDirectory() as tmp:
    run = htrmrl.train(f"{tmp}/run", {
        "env": {"benchmark": "point-robot"},
        "ppo.trials_per_iter": 8,
        "train.total_env_steps": 2560,
        "eval.trials": 1,
    })
    print("iterations", run.metrics["iteration"].astype(int),
          "mean return", run.metrics["train_return"].round(2))
    print(f"meta-test after training: success {run.eval['success']:.3f}")
