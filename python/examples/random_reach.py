"""A random policy on ml1-reach: one meta-RL trial of 10 episodes on one task, success per episode.

Run from the repository root after building:
PYTHONPATH=build/python /usr/bin/python3 python/examples/random_reach.py
"""

import numpy as np

import htrmrl

EPISODES = 10

env = htrmrl.make("ml1-reach", num_envs=1, seed=1)  # seed draws the 50 train variations
env.set_task(0, 7)  # row 0 runs train variation 7 from its next reset on
print("task:", env.tasks[7])
rng = np.random.default_rng(1)

for episode in range(EPISODES):
    # Each episode of the trial starts with a reset; the task stays until set_task changes it.
    obs, info = env.reset()
    succeeded = False
    for t in range(env.max_episode_steps):
        actions = rng.uniform(-1.0, 1.0, size=env.action_shape).astype(np.float32)
        obs, rewards, terminated, truncated, info = env.step(actions)
        succeeded |= bool(info["success"][0])  # Meta-World: success at any step of the episode
        if terminated[0] or truncated[0]:
            break
    print(f"episode {episode}: success {int(succeeded)}")
