"""What a firewall rule in the ufw role's shape admits: one reading for the SSH
lockout guard and the port handbook."""

from __future__ import annotations

from ansible_collections.tapbot.platform.plugins.plugin_utils.values import port_range


def rule_admits(rule: dict, number, proto: str = "tcp") -> bool:
    """Does the rule (port or low:high, proto, rule allow|limit) let `proto` traffic reach port `number`?"""
    span = port_range(rule.get("port", ""))
    return (number is not None and span is not None and span[0] <= number <= span[1]
            and rule.get("proto", "tcp") in (proto, "any") and rule.get("rule", "allow") in ("allow", "limit"))
