"""Filters for the docker role: check daemon settings on the controller before
anything changes (networks that could swallow the host's own, mirrors without
a scheme, malformed log limits, environment names)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlparse

from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import address, network, whole_number

SIZE = re.compile(r"^\d+[kmg]$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def docker_problems(v: dict, host_address: str = "") -> list[str]:
    """Every problem with the role's inputs, each naming the variable to fix."""
    problems = Problems()
    networks: list[tuple[str, ipaddress._BaseNetwork]] = []

    if (whole_number(v["docker_major_version"]) or 0) < 1:
        problems.append(f"docker_major_version is {v['docker_major_version']!r}: give a whole number such as 29")

    bip = str(v["docker_bip"] or "")
    try:
        iface = ipaddress.ip_interface(bip)
        if "/" not in bip or iface.ip == iface.network.network_address or iface.ip == iface.network.broadcast_address:
            raise ValueError
        networks.append(("docker_bip", iface.network))
    except ValueError:
        problems.append(f"docker_bip is {bip!r}: give the bridge's address with its prefix, such as 172.30.0.1/24")

    pools = v["docker_default_address_pools"]
    if not problems.is_list("docker_default_address_pools", pools, "{base, size}"):
        pools = []
    for i, pool in enumerate(pools):
        where = f"docker_default_address_pools[{i}]"
        if not isinstance(pool, dict) or not {"base", "size"} <= set(pool):
            problems.append(f"{where}: give exactly base (a CIDR) and size (a prefix length)")
            continue
        base, size = network(pool["base"]), whole_number(pool["size"])
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
    host_ip = address(host_address) if host_address else None
    if host_ip is not None:
        for name, net in networks:
            if host_ip.version == net.version and host_ip in net:
                problems.append(
                    f"{name} ({net}) contains this server's own address {host_ip}: the server would lose its network"
                )

    mirrors = v["docker_registry_mirrors"]
    if not problems.is_list("docker_registry_mirrors", mirrors, "URLs"):
        mirrors = []
    for mirror in mirrors:
        url = urlparse(str(mirror))
        if url.scheme not in ("http", "https") or not url.hostname:
            problems.append(f"docker_registry_mirrors has {mirror!r}: give a URL with http:// or https:// and a host")

    if not SIZE.match(str(v["docker_log_max_size"])):
        problems.append(f"docker_log_max_size is {v['docker_log_max_size']!r}: give a size such as 10m (k, m or g)")
    max_file = whole_number(v["docker_log_max_file"])
    if max_file is None or max_file < 1:
        problems.append(f"docker_log_max_file is {v['docker_log_max_file']!r}: give a whole number of at least 1")

    problems.is_mapping("docker_daemon_options", v["docker_daemon_options"], "daemon.json settings")
    env = v["docker_service_environment"]
    if not problems.is_mapping("docker_service_environment", env, "NAME: value"):
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
