"""Trained agents and training runs from Python (docs/python.md).

The work is done by the native extension ``htrmrl._agents`` (LibTorch inside), imported on
first use so that ``import htrmrl`` for the environments stays quick. Configs travel as TOML
text to the same C++ parser ``htrmrl train --config`` uses, so a dict is checked exactly as a
TOML file is: an unknown key or a bad value raises ``htrmrl.Error`` with the C++ message.
"""

import csv
import json
import math
import numbers
import os
import tomllib
from dataclasses import dataclass
from typing import Optional

import numpy as np

from htrmrl._envs import Error


def _agents():
    from htrmrl import _agents as module  # loads LibTorch: seconds, once

    return module


def _flatten(table, prefix=""):
    """A config dict as {dotted key: value}; nested tables and dotted keys both work, and
    where both give a key, the later entry in the dict wins."""
    flat = {}
    for key, value in table.items():
        if not isinstance(key, str):
            raise TypeError(f"config keys must be strings, got {key!r}")
        name = prefix + key
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _toml_value(key, value):
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string: the same quoting and escapes
    raise TypeError(
        f"config key '{key}' must be a bool, number or string, got {type(value).__name__}")


def _toml_text(config):
    lines = [f"{key} = {_toml_value(key, value)}" for key, value in _flatten(config).items()]
    return "\n".join(lines) + "\n"


def config(overrides: Optional[dict] = None, *, base: Optional[str] = None) -> dict:
    """The fully resolved config (every key, as nested tables): the built-in defaults or the TOML
    file ``base``, with ``overrides`` (nested tables or dotted keys, as ``--set`` takes them)
    applied and validated."""
    table = {}
    if base is not None:
        base = os.fspath(base)
        text = _read_text(base, "config file")
        table = _flatten(tomllib.loads(_agents().resolve_config(text, base)))
    table.update(_flatten(overrides or {}))
    return tomllib.loads(_agents().resolve_config(_toml_text(table), "config"))


def train(out: str, config: Optional[dict] = None) -> "Run":
    """Meta-trains a new run in ``out`` from a config dict (keys not given take their defaults),
    as ``htrmrl train --out`` does; returns the finished run. Blocks until the run ends; the
    GIL is released meanwhile, so another thread may ``read_run(out)`` as it goes."""
    _agents().train(_toml_text(config or {}), os.fspath(out))
    return read_run(out)


def resume(run: str) -> "Run":
    """Continues the run in ``run`` from its last checkpoint, as ``htrmrl train --resume``."""
    _agents().resume(os.fspath(run))
    return read_run(run)


def load_agent(run: str, checkpoint: Optional[str] = None, *, device: Optional[str] = None):
    """The trained agent of a run directory (its latest checkpoint, or ``checkpoint``), loaded
    as ``htrmrl eval`` loads it. ``device``: cpu, cuda or cuda:N (default: the run's)."""
    checkpoint = None if checkpoint is None else os.fspath(checkpoint)
    return _agents().load_agent(os.fspath(run), checkpoint, device=device)


@dataclass
class Run:
    """A run directory's files as Python values (docs/python.md)."""

    dir: str
    config: dict  # config.toml, nested tables
    metrics: dict  # metrics.csv: column name -> float64 array, one entry per iteration
    evaluations: list  # evaluations.jsonl: one dict per meta-test and split, in file order
    eval: Optional[dict]  # eval.json: the final meta-test in detail; None until written
    status: Optional[dict]  # status.json: {"state": "finished", ...}; None until finished


def _read_text(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise Error(f"cannot read {what} '{path}': {e.strerror}") from None


def _read_metrics(path):
    if not os.path.exists(path):
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], [row for row in rows[1:] if row]
    values = np.array(body, dtype=np.float64).reshape(len(body), len(header))
    return {name: values[:, i].copy() for i, name in enumerate(header)}


def _read_json(path):
    return json.loads(_read_text(path, "file")) if os.path.exists(path) else None


def read_run(run: str) -> Run:
    """Reads a run directory (finished, stopped or still running) into a ``Run``."""
    run = os.fspath(run)
    config_path = os.path.join(run, "config.toml")
    if not os.path.exists(config_path):
        raise Error(f"'{run}' holds no run (no config.toml)")
    evaluations_path = os.path.join(run, "evaluations.jsonl")
    evaluations = []
    if os.path.exists(evaluations_path):
        text = _read_text(evaluations_path, "file")
        evaluations = [json.loads(line) for line in text.splitlines() if line.strip()]
    return Run(
        dir=run,
        config=tomllib.loads(_read_text(config_path, "file")),
        metrics=_read_metrics(os.path.join(run, "metrics.csv")),
        evaluations=evaluations,
        eval=_read_json(os.path.join(run, "eval.json")),
        status=_read_json(os.path.join(run, "status.json")),
    )
