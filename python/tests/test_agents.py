"""Trained agents from Python against the htrmrl command: the meta-test's figures equal
`htrmrl eval`'s, a Policy acts reproducibly and adapts, and bad input raises. Training from
Python is in test_training.py. Run: PYTHONPATH=build/python pytest (HTRMRL_BINARY names the
command; ctest sets it)."""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

import htrmrl

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
BINARY = os.environ.get("HTRMRL_BINARY", str(ROOT / "build/htrmrl"))


def cli(*args):
    """Runs the htrmrl command; returns its standard output."""
    result = subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def cli_eval(tmp_path, model, *options):
    """`htrmrl eval` of a copy of models/<model> (eval writes eval.json into the run): the
    record it wrote."""
    run = tmp_path / model
    shutil.copytree(MODELS / model, run)
    out = cli("eval", "--run", run, *options)
    record = json.loads((run / "eval.json").read_text())
    assert f"mean_success {record['mean_success']:.3f}" in out
    return record


@pytest.fixture(scope="module")
def sparse():
    return htrmrl.load_agent(MODELS / "point-robot-sparse")


@pytest.fixture(scope="module")
def reach():
    return htrmrl.load_agent(MODELS / "ml1-reach")


def test_agent_describes_its_run(sparse):
    assert (sparse.kind, sparse.benchmark, sparse.seed) == ("htrmrl", "point-robot-sparse", 1)
    assert (sparse.obs_dim, sparse.act_dim, sparse.episodes_per_trial) == (2, 2, 4)
    status = json.loads((MODELS / "point-robot-sparse/status.json").read_text())
    assert (sparse.iteration, sparse.env_steps) == (status["iteration"], status["env_steps"])
    assert sparse.config["env"]["benchmark"] == "point-robot-sparse"
    assert sparse.config["eval"]["trials"] == 10
    assert isinstance(sparse, htrmrl.Agent)


def test_meta_test_equals_htrmrl_eval_point_robot_sparse(sparse, tmp_path):
    """The config's own protocol (10 trials per goal, 3 + 1 episodes, the mean action), then
    sampled actions (--stochastic): the whole eval.json record, every figure to the last bit."""
    mean = sparse.meta_test()
    assert mean == cli_eval(tmp_path / "a", "point-robot-sparse")
    sampled = sparse.meta_test(deterministic=False)
    assert sampled == cli_eval(tmp_path / "b", "point-robot-sparse", "--stochastic")
    assert (mean["deterministic"], sampled["deterministic"]) == (True, False)
    assert mean != sampled


def test_meta_test_equals_htrmrl_eval_ml1_reach(reach, tmp_path):
    """ML1 reach, its 50 held-out goals and sampled actions (its config), under a short protocol
    (one evaluation episode of one trial per goal) that keeps the suite quick."""
    result = reach.meta_test(trials=1, adaptation_episodes=0, evaluation_episodes=1)
    assert result == cli_eval(tmp_path, "ml1-reach", "--trials", 1, "--adaptation", 0,
                              "--evaluation", 1)
    assert result["deterministic"] is False and len(result["tasks"]) == 50


def run_trials(agent, rows, seed, deterministic, split="test"):
    """One trial per row on the split's tasks (row i on task i % tasks), played from Python;
    returns the actions of every step [steps, rows, act_dim] and success [rows, episodes]."""
    episodes = agent.episodes_per_trial
    env = htrmrl.make(agent.benchmark, rows, seed=agent.seed, split=split)
    policy = agent.policy(rows, seed, deterministic=deterministic)
    obs, _ = env.reset()
    policy.reset(obs)
    success = np.zeros((rows, episodes), bool)
    trace = []
    while (policy.episodes < episodes).any():
        episode = policy.episodes.copy()
        actions = policy.act()
        trace.append(actions)
        obs, rewards, terminated, truncated, info = env.step(actions)
        policy.observe(obs, rewards, terminated | truncated)
        playing = episode < episodes
        success[playing, episode[playing]] |= info["success"][playing]
    return np.stack(trace), success


def test_policy_actions_depend_on_the_seed_alone(sparse):
    a, _ = run_trials(sparse, 4, seed=3, deterministic=False)
    b, _ = run_trials(sparse, 4, seed=3, deterministic=False)
    c, _ = run_trials(sparse, 4, seed=4, deterministic=False)
    assert a.dtype == np.float32 and a.shape[1:] == (4, 2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_mean_action_policy_draws_no_noise(sparse):
    """The mean action: no noise, so the seed only places the windows the agent reads; with
    sampled actions the same seed gives other actions."""
    mean, _ = run_trials(sparse, 4, seed=3, deterministic=True)
    sampled, _ = run_trials(sparse, 4, seed=3, deterministic=False)
    assert not np.array_equal(mean, sampled)
    # Trial 1, episode 1: no past episode, no window draw; the actions are the policy mean.
    np.testing.assert_array_equal(mean[:20], run_trials(sparse, 4, 9, True)[0][:20])


def test_policy_adapts_like_the_meta_test(sparse):
    """Trials played from Python through htrmrl.make score what the C++ meta-test scores: 100
    trials (10 per held-out goal) against the meta-test's 100 of the same goals; the streams
    differ, so the figures agree within sampling noise, not to the bit. A policy fed its
    memory wrongly would not adapt (it scores 0.5 in the first episode)."""
    _, success = run_trials(sparse, 100, seed=1, deterministic=True)
    by_episode = success.mean(axis=0)
    reference = sparse.meta_test()["success_by_episode"]
    assert np.abs(by_episode - reference).max() < 0.15, (by_episode, reference)
    assert by_episode[1:].mean() > by_episode[0] - 0.05


def test_embeddings_are_those_acted_on(sparse):
    env = htrmrl.make(sparse.benchmark, 10, seed=sparse.seed, split="test")
    policy = sparse.policy(10, seed=0, deterministic=True)
    obs, _ = env.reset()
    policy.reset(obs)
    with pytest.raises(htrmrl.Error, match="before act"):
        policy.embeddings()
    actions = policy.act()
    fresh = policy.embeddings()  # every row at the start state, nothing in memory yet
    assert fresh.dtype == np.float32 and fresh.shape[0] == 10 and np.isfinite(fresh).all()
    # Equal up to rounding: the BLAS may round rows of one batch differently (seen: 2.5e-7).
    np.testing.assert_allclose(fresh, np.broadcast_to(fresh[0], fresh.shape), rtol=0, atol=1e-5)
    for _ in range(env.max_episode_steps + 1):  # the first episode, then the autoreset step
        obs, rewards, terminated, truncated, _ = env.step(actions)
        policy.observe(obs, rewards, terminated | truncated)
        actions = policy.act()
    assert list(policy.episodes) == [1] * 10
    # The start state again, now with one episode in memory: every row's embedding moved.
    z = policy.embeddings()
    assert (np.abs(z - fresh).max(axis=1) > 1e-3).all()


def test_partial_reset_restarts_only_those_rows(sparse):
    env = htrmrl.make(sparse.benchmark, 2, seed=sparse.seed, split="test")
    policy = sparse.policy(2, seed=5)
    obs, _ = env.reset()
    policy.reset(obs)
    for _ in range(env.max_episode_steps + 1):
        obs, rewards, terminated, truncated, _ = env.step(policy.act())
        policy.observe(obs, rewards, terminated | truncated)
    assert list(policy.episodes) == [1, 1]
    policy.reset(obs, mask=np.array([True, False]))
    assert list(policy.episodes) == [0, 1]


def test_a_second_thread_is_refused_while_the_agent_meta_tests(sparse):
    """meta_test releases the GIL; the agent's policies share its network, so a call on one of
    them meanwhile is refused rather than run beside it."""
    policy = sparse.policy(2)
    stop, refused = threading.Event(), []

    def meta_test():
        while not stop.is_set():
            try:
                sparse.meta_test(trials=1)
            except RuntimeError:  # the poller may hold the agent for a moment too
                pass

    worker = threading.Thread(target=meta_test)
    worker.start()
    try:
        for _ in range(1000000):
            try:
                policy.episodes
            except RuntimeError as e:
                refused.append(str(e))
                break
    finally:
        stop.set()
        worker.join()
    assert refused == ["this agent is in use by another thread"]


@pytest.fixture
def started(sparse):
    policy = sparse.policy(2, seed=0)
    policy.reset(np.zeros((2, 2), np.float32))
    return policy


@pytest.mark.parametrize("call, error, message", [
    (lambda p: p.reset(np.zeros((3, 2), np.float32)), ValueError,
     r"obs must have shape \(2, 2\), got \(3, 2\)"),
    (lambda p: p.reset(np.zeros((2, 2), np.int32)), TypeError, "obs must be float32 or float64"),
    (lambda p: p.reset(np.array([[0, np.nan], [0, 0]])), htrmrl.Error, r"obs \[0, 1\] is NaN"),
    (lambda p: p.reset(np.zeros((2, 2)), mask=np.ones(2, np.int8)), TypeError, "mask must be"),
    (lambda p: p.observe(np.zeros((2, 2)), np.zeros(2), np.zeros(2, bool)), htrmrl.Error,
     r"observe\(\) without act\(\)"),
    (lambda p: (p.act(), p.act()), htrmrl.Error, r"act\(\) twice"),
    (lambda p: (p.act(), p.observe(np.zeros((2, 2)), np.zeros(3), np.zeros(2, bool))), ValueError,
     r"rewards must have shape \(2,\), got \(3,\)"),
    (lambda p: (p.act(), p.observe(np.zeros((2, 2)), np.zeros(2), np.zeros(2))), TypeError,
     "dones must be a bool array"),
    (lambda p: (p.act(), p.observe(np.zeros((2, 2)), [0, np.inf], np.zeros(2, bool))),
     htrmrl.Error, r"rewards \[1\] is \+inf"),
    (lambda p: (p.act(), p.reset(np.zeros((2, 2)), mask=np.ones(2, bool))), htrmrl.Error,
     "observe"),
])
def test_bad_policy_input_raises(started, call, error, message):
    with pytest.raises(error, match=message):
        call(started)


def test_act_before_reset_raises(sparse):
    with pytest.raises(htrmrl.Error, match=r"act\(\) before reset"):
        sparse.policy(1).act()


@pytest.mark.parametrize("call, message", [
    (lambda a: a.policy(0), "num_trials must be at least 1, got 0"),
    (lambda a: a.policy(1, seed=-1), "seed must be a non-negative integer"),
    (lambda a: a.meta_test(trials=0), "trials must be at least 1, got 0"),
    (lambda a: a.meta_test(adaptation_episodes=-1),
     "config key 'eval.adaptation_episodes' must be >= 0 and <= 1000, got -1"),
    (lambda a: a.meta_test(evaluation_episodes=0),
     "config key 'eval.evaluation_episodes' must be >= 1 and <= 1000, got 0"),
])
def test_bad_agent_arguments_raise(sparse, call, message):
    with pytest.raises(htrmrl.Error, match=re.escape(message)):
        call(sparse)


def test_bad_runs_and_checkpoints_raise(tmp_path):
    sparse = MODELS / "point-robot-sparse"
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    cases = [
        ((tmp_path / "missing",), {}, "holds no run (no config.toml)"),
        ((sparse, tmp_path / "none.pt"), {}, "does not exist"),
        ((sparse, garbage), {}, "is not a readable htrmrl checkpoint"),
        ((sparse, MODELS / "ml1-reach/checkpoints/latest.pt"), {}, "does not fit the config"),
        ((sparse,), {"device": "tpu"}, "config key 'device' must be cpu, cuda or cuda:N"),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(htrmrl.Error, match=re.escape(message)):
            htrmrl.load_agent(*args, **kwargs)


def test_the_documented_agent_example_runs():
    """docs/python.md shows python/examples/trained_agent.py verbatim; both must work."""
    example = ROOT / "python/examples/trained_agent.py"
    assert example.read_text().strip() in (ROOT / "docs/python.md").read_text()
    result = subprocess.run([sys.executable, str(example)], capture_output=True, text=True,
                            check=True, timeout=300)
    assert re.search(r"^meta-test success \d\.\d{3}, by episode \[", result.stdout, re.MULTILINE)
    assert re.search(r"^from Python: success by episode \[", result.stdout, re.MULTILINE)
    assert re.search(r"^iterations \[1 2 3 4\]", result.stdout, re.MULTILINE)
    assert "meta-test after training: success" in result.stdout
