"""Filters for the qdrant role: qdrant_problems names every input to fix."""

from __future__ import annotations

from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import address, number, port, whole_number


def qdrant_problems(v: dict, role: dict, facts: dict, host: str) -> list[str]:
    """Every problem with the role's inputs, each naming the variable to fix.
    role: qdrant_vars (log levels); facts: the host's RAM."""
    problems = Problems()
    cfg = {k[len("qdrant_"):]: val for k, val in v.items()}
    cfg.update(host=host, ram_mb=facts.get("memtotal_mb") or 0)
    if address(cfg.get("bind_address")) is None:
        problems.append(f"qdrant_bind_address {cfg.get('bind_address')!r} is not an IP address")
    ports = {}
    for name in ("http_port", "grpc_port"):
        ports[name] = port(cfg.get(name))
        if ports[name] is None:
            problems.append(f"qdrant_{name} {cfg.get(name)!r} is not a port (1-65535)")
    if cfg.get("grpc_enabled") and ports["http_port"] == ports["grpc_port"]:
        problems.append("qdrant_http_port and qdrant_grpc_port are the same port")
    key, read_only = cfg.get("api_key"), cfg.get("read_only_api_key")
    if not isinstance(key, str) or len(key) < 24:
        problems.append("qdrant_api_key is missing or shorter than 24 characters (derive it from tapbot_master_secret)")
    if not isinstance(read_only, str) or len(read_only) < 24:
        problems.append("qdrant_read_only_api_key is missing or shorter than 24 characters (derive it from tapbot_master_secret)")
    elif read_only == key:
        problems.append("qdrant_read_only_api_key equals qdrant_api_key: it would grant full access")
    memory, ram = whole_number(cfg.get("memory_mb")), whole_number(cfg.get("ram_mb"))
    if memory is None or memory < 128:
        problems.append(f"qdrant_memory_mb {cfg.get('memory_mb')!r} is not a number of megabytes (128 or more)")
    elif ram and memory > ram:
        problems.append(f"qdrant_memory_mb is {memory} MB but {cfg.get('host')} has only {ram} MB of RAM")
    cpus = number(cfg.get("cpus"))
    if cpus is None or cpus <= 0:
        problems.append(f"qdrant_cpus {cfg.get('cpus')!r} is not a positive number")
    return problems


class FilterModule:
    def filters(self):
        return {"qdrant_problems": qdrant_problems}
