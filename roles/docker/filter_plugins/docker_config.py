"""Filters for the docker role: check daemon settings on the controller before
anything changes (networks that could swallow the host's own, mirrors without
a scheme, malformed log limits, environment names)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlparse

SIZE = re.compile(r"^\d+[kmg]$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _network(text):
    try:
        return ipaddress.ip_network(str(text), strict=False)
    except ValueError:
        return None


def _int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def docker_problems(cfg: dict) -> list[str]:
    """Every problem with the role's inputs, each naming the variable to fix."""
    problems: list[str] = []
    networks: list[tuple[str, ipaddress._BaseNetwork]] = []

    if _int(cfg.get("major_version")) is None:
        problems.append(f"docker_major_version is {cfg.get('major_version')!r}: give a whole number such as 29")

    bip = str(cfg.get("bip") or "")
    try:
        iface = ipaddress.ip_interface(bip)
        if "/" not in bip or iface.ip == iface.network.network_address or iface.ip == iface.network.broadcast_address:
            raise ValueError
        networks.append(("docker_bip", iface.network))
    except ValueError:
        problems.append(f"docker_bip is {bip!r}: give the bridge's address with its prefix, such as 172.30.0.1/24")

    pools = cfg.get("pools")
    if not isinstance(pools, list):
        problems.append("docker_default_address_pools must be a list of {base, size}")
        pools = []
    for i, pool in enumerate(pools):
        where = f"docker_default_address_pools[{i}]"
        if not isinstance(pool, dict) or set(pool) != {"base", "size"}:
            problems.append(f"{where}: give exactly base (a CIDR) and size (a prefix length)")
            continue
        base, size = _network(pool["base"]), _int(pool["size"])
        if base is None or "/" not in str(pool["base"]):
            problems.append(f"{where}.base {pool['base']!r} is not a CIDR")
            continue
        if size is None or not base.prefixlen <= size <= base.max_prefixlen - 2:
            problems.append(
                f"{where}.size {pool['size']!r} must lie between the base's prefix ({base.prefixlen}) "
                f"and {base.max_prefixlen - 2}"
            )
        networks.append((where, base))

    for i, (name_a, a) in enumerate(networks):
        for name_b, b in networks[i + 1:]:
            if a.version == b.version and a.overlaps(b):
                problems.append(f"{name_a} ({a}) overlaps {name_b} ({b}): Docker would route one over the other")
    address = cfg.get("host_address")
    if address:
        try:
            host_ip = ipaddress.ip_address(str(address))
            for name, net in networks:
                if host_ip.version == net.version and host_ip in net:
                    problems.append(
                        f"{name} ({net}) contains this server's own address {host_ip}: the server would lose its network"
                    )
        except ValueError:
            pass

    mirrors = cfg.get("mirrors")
    if not isinstance(mirrors, list):
        problems.append("docker_registry_mirrors must be a list of URLs")
        mirrors = []
    for mirror in mirrors:
        url = urlparse(str(mirror))
        if url.scheme not in ("http", "https") or not url.hostname:
            problems.append(f"docker_registry_mirrors has {mirror!r}: give a URL with http:// or https:// and a host")

    if not SIZE.match(str(cfg.get("log_max_size"))):
        problems.append(f"docker_log_max_size is {cfg.get('log_max_size')!r}: give a size such as 10m (k, m or g)")
    max_file = _int(cfg.get("log_max_file"))
    if max_file is None or max_file < 1:
        problems.append(f"docker_log_max_file is {cfg.get('log_max_file')!r}: give a whole number of at least 1")

    options = cfg.get("options")
    if not isinstance(options, dict):
        problems.append("docker_daemon_options must be a mapping of daemon.json settings")
    env = cfg.get("environment")
    if not isinstance(env, dict):
        problems.append("docker_service_environment must be a mapping of NAME: value")
        env = {}
    for name, value in env.items():
        if not ENV_NAME.match(str(name)):
            problems.append(f"docker_service_environment: {name!r} is not an environment variable name")
        if isinstance(value, (dict, list)) or "\n" in str(value) or '"' in str(value):
            problems.append(f"docker_service_environment.{name}: give one line without double quotes")
    return problems


class FilterModule:
    def filters(self):
        return {"docker_problems": docker_problems}
