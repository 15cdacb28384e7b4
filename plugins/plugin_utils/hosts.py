"""Which address a server has for the other servers: one rule for UFW sources,
fail2ban's ignore list and the data services' client lists."""

from __future__ import annotations


def host_address(hostvars: dict) -> str:
    """tapbot_address from the inventory, else the IPv4 address from the host's
    facts; empty when neither is known (the callers' checks name the host)."""
    if hostvars.get("tapbot_address"):
        return str(hostvars["tapbot_address"])
    facts = hostvars.get("ansible_facts") or {}
    return str((facts.get("default_ipv4") or {}).get("address") or "")
