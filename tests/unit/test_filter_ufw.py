"""filter.ufw: rule checks, group sources, tagged entries and what UFW already holds."""

from __future__ import annotations

import pytest
from ansible_collections.tapbot.platform.plugins.filter import ufw
from ansible_collections.tapbot.platform.plugins.filter.ufw import (expand, missing_entries, stale_rules,
                                                                   state_changes, ufw_problems)

GROUPS = {"all": ["s1", "s2"], "apps": ["s1"], "data": ["s2"], "ungrouped": []}
ADDRESSES = {"s1": "198.18.0.11", "s2": "198.18.0.12"}
OK = {"ufw_ssh_port": 22, "ufw_ssh_sources": ["any"], "ufw_rules_all": [{"port": 80}, {"port": 443}],
      "ufw_rules_group": [{"port": 6379, "sources": ["apps"], "comment": "redis"}],
      "ufw_rules_host": [{"port": "8000:8010", "proto": "udp", "rule": "limit", "sources": ["198.18.0.0/24"]}]}


def problems(groups=None, addresses=None, **changes):
    return ufw_problems({**OK, **changes}, GROUPS if groups is None else groups,
                        ADDRESSES if addresses is None else addresses)


def test_good_inputs_pass():
    assert problems() == []
    assert problems(ufw_ssh_port="2222", ufw_ssh_sources=["198.18.0.0/24", "2001:db8::/32", "apps"]) == []


def test_ufw_group_sources_become_addresses_and_tags_are_stable():
    rules = [{"port": 6379, "sources": ["apps"], "comment": "redis"}, {"port": "8000:8010", "proto": "udp"}]
    entries = expand(rules, GROUPS, ADDRESSES)
    assert [(e["port"], e["proto"], e["src"]) for e in entries] == [("6379", "tcp", "198.18.0.11"),
                                                                    ("8000:8010", "udp", "any")]
    assert entries == expand(rules, GROUPS, ADDRESSES)
    assert entries[0]["comment"] == f"tapbot:{entries[0]['tag']} redis"


def test_expand_normalises_and_deduplicates():
    rules = [{"port": "22:22", "sources": ["all", "198.18.0.1/24"]}, {"port": 22, "sources": ["apps"]}]
    entries = expand(rules, GROUPS, ADDRESSES)
    assert [(e["port"], e["src"]) for e in entries] == [("22", "198.18.0.11"), ("22", "198.18.0.12"),
                                                        ("22", "198.18.0.0/24")]
    assert [e["comment"] for e in entries] == [f"tapbot:{e['tag']}" for e in entries]


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ({"port": 0}, "is not a port"),
        ({"port": "90:80"}, "is not a port"),
        ({"port": 22, "sources": ["198.18.0.0/33"]}, "neither a CIDR"),
        ({"port": 22, "sources": ["nosuchgroup"]}, "neither a CIDR"),
        ({"port": 22, "sources": []}, "non-empty list"),
        ({"port": 22, "comment": "it's"}, "comment may hold"),
    ],
)
@pytest.mark.parametrize("var", ["ufw_rules_all", "ufw_rules_group", "ufw_rules_host"])
def test_ufw_bad_rules_are_named(var, rule, reason):
    found = problems(**{var: [rule]})
    assert len(found) == 1 and found[0].startswith(f"{var}[0] (") and reason in found[0], found


def test_the_rule_is_named_by_its_comment_or_port():
    found = problems(ufw_rules_host=[{"port": 0, "comment": "web"}])
    assert found[0].startswith("ufw_rules_host[0] (web)")
    assert problems(ufw_rules_host=[{}, {"port": 2, "sources": ["nowhere"]}]) == [
        "ufw_rules_host[0] (None): port None is not a port (1-65535) or range low:high",
        "ufw_rules_host[1] (2): source 'nowhere' is neither a CIDR, 'any', nor an inventory group",
    ]


def test_ufw_group_host_without_address_is_named():
    found = problems(ufw_rules_all=[{"port": 22, "sources": ["apps"]}], ufw_rules_group=[],
                     addresses={"s1": "tapbot-server1"})
    assert found and "set tapbot_address" in found[0]
    assert found == ["ufw_rules_all[0] (22): host s1 of group apps has no IP address; set tapbot_address for it"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"ufw_ssh_port": 0}, ["ufw_ssh_port 0 is not a port (1-65535)"]),
        ({"ufw_ssh_port": "2222:2223"}, ["ufw_ssh_port '2222:2223' is not a port (1-65535)"]),
        ({"ufw_ssh_sources": []}, ["ufw_ssh_sources: sources must be a non-empty list (CIDRs, 'any' or inventory "
                                   "groups)"]),
        ({"ufw_ssh_sources": ["office"]}, ["ufw_ssh_sources: source 'office' is neither a CIDR, 'any', nor an "
                                           "inventory group"]),
        ({"ufw_rules_all": ["80/tcp"]}, ["ufw_rules_all[0] is not a mapping rules {port, proto, sources, rule, comment}"]),
    ],
)
def test_ssh_settings_and_entries_are_named(changes, expected):
    assert problems(**changes) == expected


@pytest.mark.parametrize("var", ["ufw_rules_all", "ufw_rules_group", "ufw_rules_host"])
def test_a_string_where_a_list_is_expected_is_one_message(var):
    found = problems(**{var: "80"})
    assert len(found) == 1
    assert found[0].startswith(f"{var} must be a list of rules {{port, proto, sources, rule, comment}} (found "), found


def test_ssh_sources_as_a_string_is_one_message():
    assert problems(ufw_ssh_sources="any") == [
        "ufw_ssh_sources: sources must be a non-empty list (CIDRs, 'any' or inventory groups)"]


def test_ufw_only_stale_tagged_rules_are_removed():
    entries = expand([{"port": 22}], GROUPS, ADDRESSES)
    added = "\n".join([
        "Added user rules (see 'ufw status' for running firewall):",
        f"ufw allow 22/tcp comment '{entries[0]['comment']}'",
        "ufw allow from 1.2.3.4 to any port 80 proto tcp comment 'tapbot:0123456789 gone'",
        "ufw allow 8080/tcp comment 'added by hand'",
    ])
    assert stale_rules(added, entries) == [["allow", "from", "1.2.3.4", "to", "any", "port", "80", "proto", "tcp"]]
    assert stale_rules("", entries) == []


def test_ufw_rerun_declares_only_rules_it_does_not_hold():
    entries = expand([{"port": 22}, {"port": 80, "comment": "web"}], GROUPS, ADDRESSES)
    added = "\n".join([
        "Added user rules (see 'ufw status' for running firewall):",
        f"ufw allow 22/tcp comment '{entries[0]['comment']}'",
        "ufw allow 80/tcp comment 'added by hand'",
    ])
    assert missing_entries(entries, added) == [entries[1]]
    assert missing_entries(entries, "") == entries


@pytest.mark.parametrize(("status", "conf", "enabled", "logging", "changes"), [
    ("Status: active\nLogging: on (low)", "ENABLED=yes\nLOGLEVEL=low\n", True, "low",
     {"state": False, "logging": False}),
    ("Status: inactive", "ENABLED=no\nLOGLEVEL=low\n", True, "low", {"state": True, "logging": False}),
    ("Status: active", "ENABLED=yes\nLOGLEVEL=low\n", True, "medium", {"state": False, "logging": True}),
    ("Status: active", "ENABLED=yes\nLOGLEVEL=off\n", False, "off", {"state": True, "logging": False}),
    ("Status: inactive", 'ENABLED=no\nLOGLEVEL="high"\n', False, "high", {"state": False, "logging": False}),
    ("Status: inactive", "ENABLED=no\n", False, "off", {"state": False, "logging": False}),
])
def test_ufw_enable_and_logging_only_when_they_differ(status, conf, enabled, logging, changes):
    assert state_changes(status, conf, enabled, logging) == changes


def test_the_filters_are_published():
    assert set(ufw.FilterModule().filters()) == {"ufw_problems", "ufw_expand", "ufw_stale_rules",
                                                 "ufw_missing_entries", "ufw_state_changes"}
