"""htrmrl.make from Python against the C++ environments: equal trajectories, batching,
reproducibility, the autoreset rule and every bad input. Run: PYTHONPATH=build/python pytest."""

import pathlib
import re
import subprocess
import sys
import threading

import numpy as np
import pytest

import htrmrl
from htrmrl._envs import _testing

ROOT = pathlib.Path(__file__).resolve().parents[2]


def random_actions(rng, env, scale=1.5):
    """Actions beyond [-1, 1] on purpose, so the environments' clipping is exercised."""
    return rng.uniform(-scale, scale, size=env.action_shape).astype(np.float32)


def play(env, steps, seed):
    """Steps env with seeded random actions; returns every output, stacked."""
    rng = np.random.default_rng(seed)
    trace = {k: [] for k in ("obs", "rewards", "terminated", "truncated", "success")}
    for _ in range(steps):
        obs, rewards, terminated, truncated, info = env.step(random_actions(rng, env))
        for k, v in zip(trace, (obs, rewards, terminated, truncated, info["success"])):
            trace[k].append(v)
    return {k: np.stack(v) for k, v in trace.items()}


def test_benchmarks_lists_the_registry():
    names = htrmrl.benchmarks()
    assert names == sorted(names)
    assert {"point-robot", "point-robot-sparse", "ml1-push", "ml1-reach", "ml10"} <= set(names)


def test_shapes_dtypes_and_properties():
    env = htrmrl.make("ml1-push", 3, seed=1)
    assert (env.num_envs, env.obs_dim, env.act_dim, env.max_episode_steps) == (3, 39, 4, 500)
    assert env.observation_shape == (3, 39) and env.action_shape == (3, 4)
    assert (env.action_low, env.action_high) == (-1.0, 1.0)
    assert len(env.tasks) == 50 and env.tasks[0].family == "tabletop"
    assert env.tasks[0].name == "push" and env.tasks[0].params.dtype == np.float64
    assert list(env.task_indices) == [0, 1, 2]  # rows take the tasks in turn
    obs, info = env.reset()
    assert obs.dtype == np.float32 and obs.shape == (3, 39)
    obs, rewards, terminated, truncated, info = env.step(np.zeros((3, 4), np.float32))
    assert obs.dtype == np.float32 and rewards.dtype == np.float32 and rewards.shape == (3,)
    for flags in (terminated, truncated, info["success"], info["unstable"], info["autoreset"]):
        assert flags.dtype == np.bool_ and flags.shape == (3,)


def test_point_robot_follows_its_formula_exactly():
    env = htrmrl.make("point-robot", 4, seed=3)
    obs, _ = env.reset()
    goals = np.array([env.tasks[i].params for i in env.task_indices], np.float32)
    position = np.zeros((4, 2), np.float32)
    rng = np.random.default_rng(0)
    for t in range(env.max_episode_steps):
        actions = random_actions(rng, env)
        obs, rewards, terminated, truncated, info = env.step(actions)
        position = position + np.float32(0.1) * np.clip(actions, -1, 1)
        distance = np.hypot(*(position - goals).T)
        np.testing.assert_array_equal(obs, position)
        np.testing.assert_array_equal(rewards, -distance)
        np.testing.assert_array_equal(info["success"], distance <= np.float32(0.2))
        assert not terminated.any()
        assert truncated.all() == (t == env.max_episode_steps - 1)


@pytest.mark.parametrize("benchmark,split,tasks", [
    ("ml1-push", "train", [5, 0, 49]),
    ("ml10", "test", [0, 60, 249]),  # drawer-open, door-close, lever-pull
    ("point-robot-sparse", "test", [9, 2, 2]),
])
def test_rows_equal_a_lone_cpp_env_bit_for_bit(benchmark, split, tasks):
    env = htrmrl.make(benchmark, len(tasks), seed=4, split=split)
    for row, task in enumerate(tasks):
        env.set_task(row, task)
    first, _ = env.reset()
    steps = env.max_episode_steps
    trace = play(env, steps, seed=11)
    actions = np.random.default_rng(11)
    actions = np.stack([random_actions(actions, env) for _ in range(steps)])
    for row, task in enumerate(tasks):
        lone = _testing.single_env_episode(benchmark, 4, split, task, row, actions[:, row])
        np.testing.assert_array_equal(lone["obs"][0], first[row])
        np.testing.assert_array_equal(lone["obs"][1:], trace["obs"][:, row])
        for key in ("rewards", "terminated", "truncated", "success"):
            np.testing.assert_array_equal(lone[key], trace[key][:, row], err_msg=key)
    assert trace["truncated"][-1].all()


def test_set_task_mid_episode_waits_for_the_reset():
    """On ML10 a new task may be another scene: the running episode must go on undisturbed."""
    env = htrmrl.make("ml10", 1, seed=4, split="test")
    env.set_task(0, 10)  # drawer-open
    env.reset()
    rng = np.random.default_rng(3)
    actions = np.stack([random_actions(rng, env) for _ in range(40)])
    first = [env.step(a)[0][0] for a in actions[:20]]
    env.set_task(0, 240)  # lever-pull
    first += [env.step(a)[0][0] for a in actions[20:]]
    lone = _testing.single_env_episode("ml10", 4, "test", 10, 0, actions[:, 0])
    np.testing.assert_array_equal(lone["obs"][1:], np.stack(first))
    obs, _ = env.reset()
    lone = _testing.single_env_episode("ml10", 4, "test", 240, 0, actions[:1, 0])
    np.testing.assert_array_equal(lone["obs"][0], obs[0])


def test_batched_equals_single_envs_and_threads_change_nothing():
    tasks = [3, 17, 17, 40]
    batched = htrmrl.make("ml1-push", 4, seed=2, threads=2)
    singles = [htrmrl.make("ml1-push", 1, seed=2) for _ in tasks]
    for row, task in enumerate(tasks):
        batched.set_task(row, task)
        singles[row].set_task(0, task)
    batched.reset()
    for single in singles:
        single.reset()
    rng = np.random.default_rng(5)
    # Past the first episode's end: the autoreset step and the start of the second episode.
    for _ in range(batched.max_episode_steps + 20):
        actions = random_actions(rng, batched)
        out = batched.step(actions)
        for row, single in enumerate(singles):
            one = single.step(actions[row:row + 1])
            for b, s in zip(out[:4], one[:4]):
                np.testing.assert_array_equal(b[row], s[0])
            np.testing.assert_array_equal(out[4]["success"][row], one[4]["success"][0])


def test_same_seed_same_arrays_other_seed_other_variations():
    def run(seed):
        env = htrmrl.make("ml1-reach", 2, seed=seed)
        first, _ = env.reset()
        return env, first, play(env, 50, seed=0)

    env_a, first_a, trace_a = run(1)
    env_b, first_b, trace_b = run(1)
    env_c, first_c, _ = run(2)
    np.testing.assert_array_equal(first_a, first_b)
    for key in trace_a:
        np.testing.assert_array_equal(trace_a[key], trace_b[key])
    for a, c in zip(env_a.tasks, env_c.tasks):
        assert not np.array_equal(a.params, c.params)
    assert not np.array_equal(first_a, first_c)


def test_next_step_autoreset():
    env = htrmrl.make("point-robot", 2, seed=1)
    assert env.autoreset_mode == "next_step"
    env.reset()
    ones = np.ones((2, 2), np.float32)
    for _ in range(env.max_episode_steps):
        obs, rewards, terminated, truncated, info = env.step(ones)
    # The last step of an episode returns its final observation...
    assert truncated.all() and not info["autoreset"].any()
    np.testing.assert_allclose(obs, 2.0, rtol=1e-6)
    # ...and a set_task now takes effect at the coming reset, which the next step() does,
    # ignoring that step's actions: reset observation, zero reward, no flags.
    env.set_task(1, 30)
    obs, rewards, terminated, truncated, info = env.step(ones)
    assert info["autoreset"].all()
    np.testing.assert_array_equal(obs, np.zeros((2, 2), np.float32))
    np.testing.assert_array_equal(rewards, [0, 0])
    assert not (terminated.any() or truncated.any() or info["success"].any())
    assert list(info["task_index"]) == [0, 30]
    # The episode after it runs normally, on the same (or newly set) task.
    obs, rewards, *_ = env.step(ones)
    np.testing.assert_array_equal(obs, np.full((2, 2), 0.1, np.float32))
    goal = env.tasks[30].params.astype(np.float32)
    assert rewards[1] == -np.hypot(*(np.float32(0.1) - goal))


def test_partial_reset_keeps_the_other_rows():
    env = htrmrl.make("point-robot", 3, seed=1)
    env.reset()
    moved, *_ = env.step(np.ones((3, 2), np.float32))
    obs, info = env.reset(options={"reset_mask": np.array([False, True, False])})
    np.testing.assert_array_equal(obs[[0, 2]], moved[[0, 2]])
    np.testing.assert_array_equal(obs[1], [0, 0])
    assert list(info["task_index"]) == [0, 1, 2]


def test_disabled_autoreset_refuses_ended_rows_until_reset():
    env = htrmrl.make("point-robot", 2, seed=1, autoreset_mode="disabled")
    env.reset()
    zeros = np.zeros((2, 2), np.float32)
    for _ in range(env.max_episode_steps):
        env.step(zeros)
    with pytest.raises(htrmrl.Error, match="row 0's episode has ended and autoreset is disabled"):
        env.step(zeros)
    env.reset(options={"reset_mask": np.array([True, False])})
    with pytest.raises(htrmrl.Error, match="row 1's episode has ended"):
        env.step(zeros)
    env.reset(options={"reset_mask": np.array([False, True])})
    obs, rewards, terminated, truncated, info = env.step(zeros)
    assert not truncated.any() and not info["autoreset"].any()


def test_reset_seed_is_accepted_and_reproducible():
    env = htrmrl.make("ml1-push", 2, seed=1)
    a, _ = env.reset(seed=123)
    trace_a = play(env, 10, seed=3)
    b, _ = env.reset(seed=123)
    trace_b = play(env, 10, seed=3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(trace_a["obs"], trace_b["obs"])


def test_outputs_are_fresh_arrays():
    env = htrmrl.make("point-robot", 2, seed=1)
    first, _ = env.reset()
    kept = first.copy()
    out = env.step(np.ones((2, 2), np.float32))
    kept_step = [a.copy() for a in out[:4]]
    env.step(np.ones((2, 2), np.float32))
    np.testing.assert_array_equal(first, kept)
    for a, b in zip(out[:4], kept_step):
        np.testing.assert_array_equal(a, b)
    out[0][:] = 7  # writing into an output changes nothing inside the env
    np.testing.assert_array_equal(env.step(np.zeros((2, 2), np.float32))[0], kept_step[0] + 0.1)


def test_action_conversion_rule():
    """float64 is rounded to float32; any layout and nested lists are accepted."""
    rng = np.random.default_rng(2)
    actions = rng.uniform(-1, 1, size=(10, 3, 4))
    results = []
    for convert in (lambda a: a.astype(np.float32), lambda a: a,
                    lambda a: np.asfortranarray(a), lambda a: a.tolist()):
        env = htrmrl.make("ml1-push", 3, seed=1)
        env.reset()
        results.append(np.stack([env.step(convert(a))[0] for a in actions]))
    for r in results[1:]:
        np.testing.assert_array_equal(results[0], r)


def test_envs_step_side_by_side_in_threads():
    """Stepping releases the GIL: two threads each stepping their own env agree with one."""
    def trace(out, i):
        env = htrmrl.make("ml1-push", 2, seed=1)
        env.reset()
        out[i] = play(env, 100, seed=9)["obs"]

    alone = {}
    trace(alone, 0)
    together = {}
    threads = [threading.Thread(target=trace, args=(together, i)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(2):
        np.testing.assert_array_equal(together[i], alone[0])


def test_a_second_thread_is_refused_while_one_steps():
    env = htrmrl.make("ml1-push", 8, seed=1)
    env.reset()
    stop, errors = threading.Event(), []

    def stepper():
        while not stop.is_set():
            try:
                env.step(np.zeros(env.action_shape, np.float32))
            except RuntimeError as e:  # the poller may hold it for a moment too
                errors.append(str(e))

    worker = threading.Thread(target=stepper)
    worker.start()
    refused = None
    try:
        for _ in range(100000):
            try:
                env.task_indices
            except RuntimeError as e:
                refused = str(e)
                break
    finally:
        stop.set()
        worker.join()
    assert refused == "this VectorEnv is in use by another thread"
    assert set(errors) <= {refused}


@pytest.fixture(scope="module")
def env():
    e = htrmrl.make("point-robot", 3, seed=1)
    e.reset()
    return e


@pytest.mark.parametrize("call,error,message", [
    (lambda e: htrmrl.make("ml1-pus", 1, seed=1), htrmrl.Error,
     r"unknown benchmark 'ml1-pus' \(known: .*ml1-push.*point-robot"),
    (lambda e: htrmrl.make("point-robot", 0, seed=1), ValueError,
     "num_envs must be at least 1, got 0"),
    (lambda e: htrmrl.make("point-robot", 1, seed=-1), ValueError,
     "seed must be a non-negative integer, got -1"),
    (lambda e: htrmrl.make("point-robot", 1, seed=1, split="validation"), ValueError,
     r"unknown split 'validation' \(known: train, test\)"),
    (lambda e: htrmrl.make("point-robot", 1, seed=1, threads=0), ValueError,
     "threads must be at least 1, got 0"),
    (lambda e: htrmrl.make("point-robot", 1, seed=1, autoreset_mode="same_step"), ValueError,
     r"unknown autoreset mode 'same_step' \(known: next_step, disabled\)"),
    (lambda e: e.step(np.zeros((3, 3), np.float32)), ValueError,
     re.escape("actions must have shape (3, 2), got (3, 3)")),
    (lambda e: e.step(np.zeros(6, np.float32)), ValueError,
     re.escape("actions must have shape (3, 2), got (6,)")),
    (lambda e: e.step(np.zeros((3, 2), np.int64)), TypeError,
     "actions must be float32 or float64, got int64"),
    (lambda e: e.step([["a", "b"]] * 3), TypeError, "actions must be float32 or float64, got <U1"),
    (lambda e: e.step(np.array([[0, 0], [0, np.inf], [0, 0]])), ValueError,
     r"actions must be finite: actions\[1, 1\] is inf"),
    (lambda e: e.step(np.full((3, 2), np.nan, np.float32)), ValueError,
     r"actions must be finite: actions\[0, 0\] is nan"),
    (lambda e: e.set_task(0, 40), IndexError,
     r"task_index 40 out of range \[0, 40\) of the train tasks"),
    (lambda e: e.set_task(0, -1), IndexError, r"task_index -1 out of range"),
    (lambda e: e.set_task(3, 0), IndexError, r"env_index 3 out of range \[0, 3\)"),
    (lambda e: e.reset(options={"mask": None}), ValueError,
     r"unknown reset option 'mask' \(known: reset_mask\)"),
    (lambda e: e.reset(options={"reset_mask": np.ones(2, bool)}), ValueError,
     re.escape("reset_mask must have shape (3,), got (2,)")),
    (lambda e: e.reset(options={"reset_mask": np.ones(3)}), TypeError,
     "reset_mask must be a bool array, got float64"),
    (lambda e: e.reset(seed=-5), ValueError, "seed must be a non-negative integer, got -5"),
])
def test_bad_input_raises(env, call, error, message):
    with pytest.raises(error, match=message):
        call(env)


def test_error_is_a_value_error():
    assert issubclass(htrmrl.Error, ValueError)


def test_step_before_reset_and_a_partial_first_reset_raise():
    env = htrmrl.make("point-robot", 2, seed=1)
    with pytest.raises(htrmrl.Error, match=r"step\(\) before reset\(\)"):
        env.step(np.zeros((2, 2), np.float32))
    with pytest.raises(htrmrl.Error, match="the first reset.. must reset every row"):
        env.reset(options={"reset_mask": np.array([True, False])})


def test_the_documented_example_runs():
    """docs/python.md shows python/examples/random_reach.py verbatim; both must work."""
    example = ROOT / "python/examples/random_reach.py"
    assert example.read_text().strip() in (ROOT / "docs/python.md").read_text()
    result = subprocess.run([sys.executable, str(example)], capture_output=True, text=True,
                            check=True, timeout=120)
    lines = re.findall(r"^episode (\d): success ([01])$", result.stdout, re.MULTILINE)
    assert [int(e) for e, _ in lines] == list(range(10))
