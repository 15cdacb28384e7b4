"""The ufw role's filters: check the declared rules, resolve group-name sources,
expand rules into the entries UFW holds (one per rule and source, each tagged
with a hash of itself so that changed or removed rules can be pruned), and read
what UFW holds so that a re-run calls `ufw` for nothing."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re

from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import network, port, port_range

RULE_LISTS = ("ufw_rules_all", "ufw_rules_group", "ufw_rules_host")
TAG_PREFIX = "tapbot:"


def _source_problems(p: Problems, where: str, sources, groups, addresses) -> None:
    if not isinstance(sources, list) or not sources:
        p.add(f"{where}: sources must be a non-empty list (CIDRs, 'any' or inventory groups)")
        return
    for source in map(str, sources):
        if source == "any":
            continue
        if source in groups:
            for host in groups[source]:
                if network(addresses.get(host, "")) is None:
                    p.add(f"{where}: host {host} of group {source} has no IP address; set tapbot_address for it")
            continue
        if network(source) is None:
            p.add(f"{where}: source {source!r} is neither a CIDR, 'any', nor an inventory group")


def ufw_problems(v: dict, groups: dict, addresses: dict) -> list[str]:
    """Every problem with the ufw role's inputs, naming the list and entry that holds it."""
    p = Problems()
    if port(v["ufw_ssh_port"]) is None:
        p.add(f"ufw_ssh_port {v['ufw_ssh_port']!r} is not a port (1-65535)")
    _source_problems(p, "ufw_ssh_sources", v["ufw_ssh_sources"], groups, addresses)
    for var in RULE_LISTS:
        for where, rule in p.entries(var, v[var], "rules {port, proto, sources, rule, comment}",
                                     label=lambda i, r, var=var: f"{var}[{i}] ({r.get('comment') or r.get('port')})"):
            if port_range(rule.get("port", "")) is None:
                p.add(f"{where}: port {rule.get('port')!r} is not a port (1-65535) or range low:high")
            _source_problems(p, where, rule.get("sources", ["any"]), groups, addresses)
            if "comment" in rule and not re.fullmatch(r"[\w .,:/()-]*", str(rule["comment"])):
                p.add(f"{where}: comment may hold letters, digits, spaces and .,:/()- only")
    return p


def expand(rules, groups, addresses) -> list[dict]:
    entries, seen = [], set()
    for rule in rules:
        low, high = port_range(rule["port"])
        port_text = str(low) if low == high else f"{low}:{high}"
        for source in rule.get("sources", ["any"]):
            source = str(source)
            if source == "any":
                addrs = ["any"]
            elif source in groups:
                addrs = [addresses[h] for h in groups[source]]
            else:
                addrs = [str(ipaddress.ip_network(source, strict=False))]
            for addr in addrs:
                entry = {"port": port_text, "proto": rule.get("proto", "tcp"), "src": addr, "rule": rule.get("rule", "allow")}
                tag = hashlib.sha1(json.dumps(entry, sort_keys=True).encode()).hexdigest()[:10]
                if tag in seen:
                    continue
                seen.add(tag)
                comment = f"{TAG_PREFIX}{tag} {rule.get('comment', '')}".strip()
                entries.append({**entry, "tag": tag, "comment": comment})
    return entries


def stale_rules(show_added: str, entries) -> list[list[str]]:
    """`ufw delete` arguments for every rule this role tagged that is no longer
    declared, read from `ufw show added` (which works while UFW is inactive)."""
    wanted = {e["tag"] for e in entries}
    stale = []
    for line in show_added.splitlines():
        m = re.match(r"^ufw (.*?) comment '" + re.escape(TAG_PREFIX) + r"([0-9a-f]{10})\b[^']*'\s*$", line.strip())
        if m and m.group(2) not in wanted:
            stale.append(m.group(1).split())
    return stale


def missing_entries(entries, show_added: str) -> list[dict]:
    """The declared entries UFW does not hold yet (their tagged comment is absent
    from `ufw show added`), in declared order: a re-run calls `ufw` for none."""
    held = set(re.findall(r"(?m)comment '([^']*)'\s*$", show_added))
    return [e for e in entries if e["comment"] not in held]


def state_changes(status_verbose: str, conf: str, enabled: bool, logging: str) -> dict:
    """What `ufw enable|disable` and `ufw logging` would change: the running
    state from `ufw status verbose`, the log level from /etc/ufw/ufw.conf."""
    active = bool(re.search(r"(?m)^Status: active\b", status_verbose))
    level = (re.findall(r'(?m)^LOGLEVEL="?(\w+)"?', conf) or ["off"])[-1]
    return {"state": active != bool(enabled), "logging": level != logging}


class FilterModule:
    def filters(self):
        return {
            "ufw_problems": ufw_problems,
            "ufw_expand": expand,
            "ufw_stale_rules": stale_rules,
            "ufw_missing_entries": missing_entries,
            "ufw_state_changes": state_changes,
        }
