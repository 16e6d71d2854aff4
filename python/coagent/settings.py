"""Agent's keyword settings as the settings table's flags (`coagent train --help`).

Keys are the table's with `_` for `-`; DDPG's are `ddpg_<key>`, ARS's `ars_<key>`. The
tables come from the C++ library, where every setting is declared once.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _coagent

ALGOS = ("local", "ddpg", "ars")
_TABLE = {s["key"]: s for s in _coagent.settings_table()}
# The algorithm-specific tables, by the prefix of their keys.
_ALGO_TABLES = {"ddpg": {s["key"]: s for s in _coagent.ddpg_settings_table()},
                "ars": {s["key"]: s for s in _coagent.ars_settings_table()}}


def _setting_text(key: str, value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return ",".join(_setting_text(key, v) for v in value)
    raise ValueError(f"setting {key}: {value!r} ({type(value).__name__}) is not a number, "
                     "bool, string or list")


def flags_of(algo: str, seed: int, settings: dict):
    """The learner's flags from Python keyword settings: (shared and local-rule flags,
    DDPG's, ARS's). ValueError names an unknown key or one the algorithm does not use."""
    if not isinstance(algo, str) or algo not in ALGOS:
        raise ValueError(f"algo {algo!r} is not one of {', '.join(ALGOS)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    flags = {"algo": algo, "seed": str(int(seed))}
    algo_flags = {prefix: {} for prefix in _ALGO_TABLES}
    for name, value in settings.items():
        prefix = name.partition("_")[0]
        if prefix in _ALGO_TABLES and name != prefix:
            table = _ALGO_TABLES[prefix]
            key = name[len(prefix) + 1:].replace("_", "-")
            if key not in table:
                raise ValueError(f"unknown setting {name!r}; {prefix.upper()}'s are "
                                 + ", ".join(f"{prefix}_" + k.replace("-", "_") for k in table))
            if algo != prefix:
                raise ValueError(f"setting {name!r} needs algo='{prefix}'")
            algo_flags[prefix][key] = _setting_text(name, value)
            continue
        key = name.replace("_", "-")
        if key not in _TABLE:
            raise ValueError(f"unknown setting {name!r}; known: "
                             + ", ".join(k.replace("-", "_") for k in _TABLE))
        if algo not in _TABLE[key]["algos"]:
            raise ValueError(f"setting {name!r} applies to the local rules, not to algo='{algo}' "
                             f"(use the {algo}_* settings)")
        flags[key] = _setting_text(name, value)
    return flags, algo_flags["ddpg"], algo_flags["ars"]


def positive_int(name: str, value, allow_none: bool = False) -> Optional[int]:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def check_seed(seed) -> Optional[int]:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return None if seed is None else int(seed)
