"""Parse a run's /config dataset (the resolved settings as YAML text) into typed Python values.

ganrun writes floats in a canonical scientific form (`lr_g: 2e-4`, `beta1: 5e-1`). YAML 1.2
reads those as numbers, but PyYAML's YAML 1.1 resolver needs a dot and reads them as strings,
so this module uses ruamel.yaml (YAML 1.2). Two more details of ganrun's writer:

- non-finite floats are written `nan`, `inf`, `-inf` (not YAML's `.nan`); a *plain* scalar
  with that text is turned into a float, a quoted one stays a string;
- intervals given in epochs are written as a flow map (`eval_every: {epochs: 3}`); a map is
  kept as its compact text (`{epochs: 3}`) so every cell of a frame stays a scalar;
- ganrun writes its integers without leading zeros, so a plain scalar that has them is a name
  (`pixel_range: 01`, which YAML 1.2 would read as the integer 1) and stays text.

Nothing here knows the list of settings: every key in /config becomes a column, so a setting
added to ganrun later appears without a change here.
"""
from __future__ import annotations

import io

from ruamel.yaml import YAML
from ruamel.yaml.scalarint import ScalarInt
from ruamel.yaml.scalarstring import ScalarString

_NON_FINITE = {"nan": float("nan"), "inf": float("inf"), "+inf": float("inf"),
               "-inf": float("-inf")}


def _loader() -> YAML:
    # Round-trip mode keeps whether a scalar was quoted (needed for the nan/inf rule above);
    # pure=True: the same resolver whether or not ruamel's C extension is installed.
    y = YAML(typ="rt", pure=True)
    y.preserve_quotes = True
    return y


def _plain(value):
    """ruamel's round-trip node -> plain Python (float, int, bool, str, None, dict, list)."""
    if isinstance(value, ScalarString):  # quoted (or block) string: always text
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    width = getattr(value, "_width", None)
    if isinstance(value, ScalarInt) and width is not None and width > len(str(abs(int(value)))):
        return str(int(value)).zfill(width)  # written with leading zeros: a name (see above)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):  # plain scalar the resolver left as text
        return _NON_FINITE.get(value, str(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def parse_config(text: str) -> dict:
    """The YAML text of /config -> {key: value}, values typed by YAML 1.2 (see module doc).

    Nested values (maps, lists) are returned as they are; `flatten_settings` makes them cells.
    """
    if not text or not text.strip():
        return {}
    data = _loader().load(io.StringIO(text))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"/config is not a YAML map (got {type(data).__name__})")
    return _plain(data)


def _flow_text(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow_text(v) for v in value) + "]"
    return str(value)


def flatten_settings(settings: dict) -> dict:
    """Settings ready to be one row of a frame: maps and lists become their flow text."""
    return {k: (_flow_text(v) if isinstance(v, (dict, list)) else v) for k, v in settings.items()}
