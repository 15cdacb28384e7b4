"""Filters for the qdrant role: qdrant_problems names every input to fix."""

from __future__ import annotations

import ipaddress


def _num(value, kind=int):
    if isinstance(value, bool):
        return None
    try:
        return kind(str(value).strip())
    except ValueError:
        return None


def qdrant_problems(cfg: dict) -> list[str]:
    problems: list[str] = []
    try:
        ipaddress.ip_address(str(cfg.get("bind_address")))
    except ValueError:
        problems.append(f"qdrant_bind_address {cfg.get('bind_address')!r} is not an IP address")
    ports = {}
    for name in ("http_port", "grpc_port"):
        port = _num(cfg.get(name))
        if port is None or not 0 < port < 65536:
            problems.append(f"qdrant_{name} {cfg.get(name)!r} is not a port (1-65535)")
        ports[name] = port
    if cfg.get("grpc_enabled") and ports["http_port"] == ports["grpc_port"]:
        problems.append("qdrant_http_port and qdrant_grpc_port are the same port")
    key, read_only = cfg.get("api_key"), cfg.get("read_only_api_key")
    if not isinstance(key, str) or len(key) < 24:
        problems.append("qdrant_api_key is missing or shorter than 24 characters (derive it from tapbot_master_secret)")
    if not isinstance(read_only, str) or len(read_only) < 24:
        problems.append("qdrant_read_only_api_key is missing or shorter than 24 characters (derive it from tapbot_master_secret)")
    elif read_only == key:
        problems.append("qdrant_read_only_api_key equals qdrant_api_key: it would grant full access")
    memory, ram = _num(cfg.get("memory_mb")), _num(cfg.get("ram_mb"))
    if memory is None or memory < 128:
        problems.append(f"qdrant_memory_mb {cfg.get('memory_mb')!r} is not a number of megabytes (128 or more)")
    elif ram and memory > ram:
        problems.append(f"qdrant_memory_mb is {memory} MB but {cfg.get('host')} has only {ram} MB of RAM")
    cpus = _num(cfg.get("cpus"), float)
    if cpus is None or cpus <= 0:
        problems.append(f"qdrant_cpus {cfg.get('cpus')!r} is not a positive number")
    if cfg.get("log_level") not in (cfg.get("log_levels") or []):
        problems.append(f"qdrant_log_level {cfg.get('log_level')!r} is not one of {', '.join(cfg.get('log_levels') or [])}")
    return problems


class FilterModule:
    def filters(self):
        return {"qdrant_problems": qdrant_problems}
