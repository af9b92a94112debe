"""Training from Python against the htrmrl command: a run started from a dict writes what
`htrmrl train` writes with the same config, resume continues it to the same rows, read_run
reads it back, and bad configs raise the C++ messages. Run: PYTHONPATH=build/python pytest."""

import os
import pathlib
import re
import subprocess

import numpy as np
import pytest

import htrmrl

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("HTRMRL_BINARY", str(ROOT / "build/htrmrl"))

# A tiny point-robot run: 4 iterations of 8 trials x 4 episodes x 20 steps (2,560 env steps),
# meta-tested at iterations 2 and 4. Fixed learning rate, so a shorter run is a prefix of it.
TINY = {
    "env": {"benchmark": "point-robot"},
    "ppo.trials_per_iter": 8,
    "ppo.anneal_lr": False,
    "train.total_env_steps": 2560,
    "eval.every": 2,
    "eval.trials": 1,
}
# metrics.csv's columns that time the run (the perf/ area): they differ between equal runs.
TIMING = {"wall_seconds", "env_steps_per_s", "rollout_seconds", "update_seconds"}


def without_timing(run):
    return {k: v for k, v in run.metrics.items() if k not in TIMING}


def assert_same_run(a, b):
    assert a.config == b.config
    ma, mb = without_timing(a), without_timing(b)
    assert list(ma) == list(mb)
    for column in ma:
        np.testing.assert_array_equal(ma[column], mb[column], err_msg=column)
    assert a.evaluations == b.evaluations
    assert a.eval == b.eval
    assert a.status == b.status


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny run trained by the htrmrl command, its config given as --set overrides."""
    out = tmp_path_factory.mktemp("cli") / "run"
    sets = [f"--set=env.benchmark=point-robot"] + [
        f"--set={k}={str(v).lower() if isinstance(v, bool) else v}"
        for k, v in TINY.items() if k != "env"]
    result = subprocess.run([BINARY, "train", "--out", str(out), *sets], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return htrmrl.read_run(out)


def test_train_from_a_dict_equals_htrmrl_train(reference, tmp_path):
    run = htrmrl.train(tmp_path / "run", TINY)
    assert_same_run(run, reference)
    assert (tmp_path / "run/config.toml").read_text() == \
        (pathlib.Path(reference.dir) / "config.toml").read_text()


def test_read_run_gives_columns_records_and_status(reference):
    m = reference.metrics
    assert list(m["iteration"]) == [1, 2, 3, 4] and list(m["env_steps"]) == [640, 1280, 1920, 2560]
    assert all(v.dtype == np.float64 and v.shape == (4,) for v in m.values())
    assert {"train_success", "policy_loss", "entropy", "learning_rate"} <= set(m)
    assert [(e["iteration"], e["split"]) for e in reference.evaluations] == \
        [(2, "test"), (2, "train"), (4, "test"), (4, "train")]
    assert reference.eval["iteration"] == 4 and reference.eval["mean_success"] == \
        reference.evaluations[2]["success"]
    assert reference.status == {"state": "finished", "iteration": 4, "env_steps": 2560}
    assert reference.config["ppo"]["trials_per_iter"] == 8
    assert reference.config["ppo"]["lr"] == 1e-3  # a default, resolved


def test_resume_continues_to_the_same_rows(reference, tmp_path):
    """A run stopped after 2 of its 4 iterations (a run whose budget was raised after it
    ended, as a user extends one) resumes from its checkpoint to the uninterrupted run's rows."""
    short = htrmrl.train(tmp_path / "run", {**TINY, "train.total_env_steps": 1280})
    assert list(short.metrics["iteration"]) == [1, 2]
    config = (tmp_path / "run/config.toml").read_text()
    (tmp_path / "run/config.toml").write_text(
        config.replace("total_env_steps = 1280", "total_env_steps = 2560"))
    assert_same_run(htrmrl.resume(tmp_path / "run"), reference)


def test_config_resolves_defaults_files_and_overrides():
    defaults = htrmrl.config()
    assert defaults["env"]["benchmark"] == "point-robot-sparse" and defaults["seed"] == 1
    base = ROOT / "configs/ml1-reach.toml"
    c = htrmrl.config({"seed": 7, "ppo": {"lr": 1e-4}, "eval.trials": 2}, base=base)
    assert (c["seed"], c["ppo"]["lr"], c["eval"]["trials"]) == (7, 1e-4, 2)
    assert c["env"]["benchmark"] == "ml1-reach"
    # A resolved config round-trips, and the later of a table and a dotted key wins.
    assert htrmrl.config(c) == c
    assert htrmrl.config({"ppo": {"lr": 0.5}, "ppo.lr": 0.25})["ppo"]["lr"] == 0.25


@pytest.mark.parametrize("config, error, message", [
    ({"ppo.foo": 1}, htrmrl.Error, "config: unknown config key 'ppo.foo'"),
    ({"ppo": {"lr": -1.0}}, htrmrl.Error, "config key 'ppo.lr' must be > 0 and <= 1, got -1"),
    ({"ppo.lr": "fast"}, htrmrl.Error, "config: config key 'ppo.lr' must be number"),
    ({"seed": 1.5}, htrmrl.Error, "config: config key 'seed' must be integer"),
    ({"env.benchmark": "nope"}, htrmrl.Error, "unknown benchmark 'nope' (known: "),
    ({"agent.kind": "lstm"}, htrmrl.Error, "config key 'agent.kind' must be one of"),
    ({"seed": [1]}, TypeError, "config key 'seed' must be a bool, number or string, got list"),
])
def test_bad_configs_raise_the_cpp_message(tmp_path, config, error, message):
    with pytest.raises(error, match=re.escape(message)):
        htrmrl.config(config)
    with pytest.raises(error, match=re.escape(message)):
        htrmrl.train(tmp_path / "run", config)
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_bad_run_directories_raise(reference, tmp_path):
    with pytest.raises(htrmrl.Error, match="already holds a run"):
        htrmrl.train(reference.dir, TINY)
    with pytest.raises(htrmrl.Error, match=re.escape("holds no run to resume (no config.toml)")):
        htrmrl.resume(tmp_path / "missing")
    with pytest.raises(htrmrl.Error, match=re.escape("holds no run (no config.toml)")):
        htrmrl.read_run(tmp_path / "missing")
    with pytest.raises(htrmrl.Error, match="cannot read config file"):
        htrmrl.config(base=tmp_path / "missing.toml")


@pytest.fixture(scope="module")
def rl2(tmp_path_factory):
    """A tiny RL^2 run (GRU state carried across a trial's episodes) and its agent."""
    run = htrmrl.train(tmp_path_factory.mktemp("rl2") / "run",
                       {**TINY, "agent.kind": "rl2", "train.total_env_steps": 640,
                        "eval.train_split": False})
    return run, htrmrl.load_agent(run.dir)


def test_a_recurrent_agent_meta_tests_as_in_training(rl2):
    run, agent = rl2
    assert agent.kind == "rl2"
    assert agent.meta_test() == run.eval


def play(agent, rows, steps, env_rows=None):
    """Mean actions and GRU states of `rows` trials of one policy over `steps` steps (crossing
    episode boundaries), on the environment rows `env_rows` of one shared trajectory seed."""
    env_rows = list(range(rows)) if env_rows is None else env_rows
    env = htrmrl.make(agent.benchmark, max(env_rows) + 1, seed=agent.seed, split="test")
    policy = agent.policy(rows, seed=0, deterministic=True)
    obs, _ = env.reset()
    policy.reset(obs[env_rows])
    actions, states = [], []
    for _ in range(steps):
        a = policy.act()
        states.append(policy.embeddings())
        full = np.zeros((env.num_envs, agent.act_dim), np.float32)
        full[env_rows] = a
        obs, rewards, terminated, truncated, _ = env.step(full)
        done = (terminated | truncated)[env_rows]
        policy.observe(obs[env_rows], rewards[env_rows], done)
        actions.append(a)
    return np.stack(actions), np.stack(states), policy


def test_a_recurrent_agent_acts_row_by_row_as_alone(rl2):
    """RL^2 from Python: each row's state reads its own trial only, through two episode
    boundaries (the terminal token is caught up before the next episode's first action)."""
    _, agent = rl2
    steps = 2 * 20 + 5  # point-robot episodes are 20 steps
    together, states, policy = play(agent, 3, steps)
    assert list(policy.episodes) == [2, 2, 2]
    assert states.shape == (steps, 3, 128) and np.isfinite(states).all()
    for row in range(3):
        alone, alone_states, _ = play(agent, 1, steps, env_rows=[row])
        np.testing.assert_allclose(together[:, row], alone[:, 0], rtol=0, atol=1e-5)
        np.testing.assert_allclose(states[:, row], alone_states[:, 0], rtol=0, atol=1e-5)
    # The state moves with what the row reads: not the same at every step, nor in every row.
    assert np.abs(states[1:] - states[:-1]).max() > 1e-3
    assert np.abs(states[-1, 0] - states[-1, 1]).max() > 1e-3


def test_a_recurrent_row_reset_starts_from_a_zero_state(rl2):
    """A partial reset zeroes that row's state: its actions are then a fresh policy's."""
    _, agent = rl2
    env = htrmrl.make(agent.benchmark, 2, seed=agent.seed, split="test")
    policy = agent.policy(2, deterministic=True)
    obs, _ = env.reset()
    policy.reset(obs)
    for _ in range(7):
        obs, rewards, terminated, truncated, _ = env.step(policy.act())
        policy.observe(obs, rewards, terminated | truncated)
    carried = policy.act()
    obs, rewards, terminated, truncated, _ = env.step(carried)
    policy.observe(obs, rewards, terminated | truncated)
    policy.reset(obs, mask=np.array([True, False]))
    fresh = agent.policy(1, deterministic=True)
    fresh.reset(obs[:1])
    np.testing.assert_allclose(policy.act()[0], fresh.act()[0], rtol=0, atol=1e-5)
    np.testing.assert_allclose(policy.embeddings()[0], fresh.embeddings()[0], rtol=0, atol=1e-5)

