"""Filters for the ufw role: check declared rules, resolve group-name sources,
and expand rules into the entries UFW holds (one per rule and source), each
tagged with a hash of itself so that changed or removed rules can be pruned."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re

PROTOS = {"tcp", "udp"}
RULES = {"allow", "limit"}
TAG_PREFIX = "tapbot:"


def _ports(port) -> tuple[int, int] | None:
    text = str(port).strip()
    m = re.fullmatch(r"(\d{1,5})(?::(\d{1,5}))?", text)
    if not m:
        return None
    low, high = int(m.group(1)), int(m.group(2) or m.group(1))
    if not (1 <= low <= high <= 65535):
        return None
    return low, high


def _network(text: str):
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def host_address(hostvars) -> str:
    """The address other hosts' rules use for this host."""
    if "tapbot_address" in hostvars:
        return str(hostvars["tapbot_address"])
    facts = hostvars.get("ansible_facts") or {}
    address = (facts.get("default_ipv4") or {}).get("address")
    return str(address or hostvars.get("ansible_host") or hostvars.get("inventory_hostname", ""))


def rule_problems(rules, groups, addresses) -> list[str]:
    problems = []
    for i, rule in enumerate(rules or []):
        where = f"ufw rule {i} ({rule.get('comment') or rule.get('port')!s})" if isinstance(rule, dict) else f"ufw rule {i}"
        if not isinstance(rule, dict):
            problems.append(f"{where}: not a mapping")
            continue
        unknown = set(rule) - {"port", "proto", "sources", "rule", "comment"}
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        if _ports(rule.get("port", "")) is None:
            problems.append(f"{where}: port {rule.get('port')!r} is not a port (1-65535) or range low:high")
        if rule.get("proto", "tcp") not in PROTOS:
            problems.append(f"{where}: proto {rule.get('proto')!r} is not tcp or udp")
        if rule.get("rule", "allow") not in RULES:
            problems.append(f"{where}: rule {rule.get('rule')!r} is not allow or limit")
        sources = rule.get("sources", ["any"])
        if not isinstance(sources, list) or not sources:
            problems.append(f"{where}: sources must be a non-empty list")
            continue
        for source in sources:
            source = str(source)
            if source == "any":
                continue
            if source in groups:
                for host in groups[source]:
                    if _network(addresses.get(host, "")) is None:
                        problems.append(f"{where}: host {host} of group {source} has no IP address "
                                        f"({addresses.get(host)!r}); set tapbot_address for it")
                continue
            if re.fullmatch(r"[0-9a-fA-F:./]+", source) and _network(source) is not None:
                continue
            problems.append(f"{where}: source {source!r} is neither a CIDR, 'any', nor an inventory group")
        if "comment" in rule and not re.fullmatch(r"[\w .,:/()-]*", str(rule["comment"])):
            problems.append(f"{where}: comment may hold letters, digits, spaces and .,:/()- only")
    return problems


def expand(rules, groups, addresses) -> list[dict]:
    entries, seen = [], set()
    for rule in rules:
        low, high = _ports(rule["port"])
        port = str(low) if low == high else f"{low}:{high}"
        for source in rule.get("sources", ["any"]):
            source = str(source)
            if source == "any":
                addrs = ["any"]
            elif source in groups:
                addrs = [addresses[h] for h in groups[source]]
            else:
                addrs = [str(ipaddress.ip_network(source, strict=False))]
            for addr in addrs:
                entry = {"port": port, "proto": rule.get("proto", "tcp"), "src": addr, "rule": rule.get("rule", "allow")}
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


def _added_comments(show_added: str) -> set[str]:
    return set(re.findall(r"(?m)comment '([^']*)'\s*$", show_added))


def missing_entries(entries, show_added: str) -> list[dict]:
    """The declared entries UFW does not hold yet (their tagged comment is absent
    from `ufw show added`), in declared order: a re-run calls `ufw` for none."""
    held = _added_comments(show_added)
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
            "ufw_host_address": host_address,
            "ufw_rule_problems": rule_problems,
            "ufw_expand": expand,
            "ufw_stale_rules": stale_rules,
            "ufw_missing_entries": missing_entries,
            "ufw_state_changes": state_changes,
        }
