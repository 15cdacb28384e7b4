"""What a role's interface is, read from its own files (the argument spec is the truth)."""

from __future__ import annotations

import functools
import os

import yaml


@functools.lru_cache(maxsize=None)
def role_interface(role_path: str) -> frozenset[str]:
    """Every variable name the role knows: the options of its argument specs (every
    entry point), its vars/main.yml, what its validate.yml registers, and
    `<role>_problems` (its checks' own result)."""
    role = os.path.basename(os.path.normpath(role_path))
    names = {f"{role}_problems"}
    with open(os.path.join(role_path, "meta", "argument_specs.yml"), encoding="utf-8") as f:
        for entry in (yaml.safe_load(f) or {}).get("argument_specs", {}).values():
            names.update((entry or {}).get("options", {}))
    with open(os.path.join(role_path, "tasks", "validate.yml"), encoding="utf-8") as f:
        names.update(task["register"] for task in yaml.safe_load(f) or [] if "register" in task)
    vars_file = os.path.join(role_path, "vars", "main.yml")
    if os.path.exists(vars_file):
        with open(vars_file, encoding="utf-8") as f:
            names.update(yaml.safe_load(f) or {})
    return frozenset(names)
