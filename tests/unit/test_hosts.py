"""plugin_utils.hosts.host_address: the address a server has for the others."""

from __future__ import annotations

import ipaddress

import pytest
from ansible_collections.tapbot.platform.plugins.plugin_utils.hosts import host_address

FACTS = {"ansible_facts": {"default_ipv4": {"address": "198.18.0.11"}}}


@pytest.mark.parametrize(
    ("hostvars", "expected"),
    [
        ({"tapbot_address": "198.18.0.21", **FACTS}, "198.18.0.21"),  # the inventory wins over facts
        (FACTS, "198.18.0.11"),
        ({"tapbot_address": "", **FACTS}, "198.18.0.11"),  # empty: the facts' address
        ({"tapbot_address": None, **FACTS}, "198.18.0.11"),
        ({"ansible_facts": {}}, ""),
        ({"ansible_facts": {"default_ipv4": {}}}, ""),
        ({"ansible_facts": None}, ""),
        ({"ansible_host": "198.18.0.99", "inventory_hostname": "server1"}, ""),  # never the SSH target
        ({}, ""),
    ],
)
def test_host_address(hostvars, expected):
    assert host_address(hostvars) == expected


def test_host_address_is_text():
    assert host_address({"tapbot_address": ipaddress.ip_address("198.18.0.5")}) == "198.18.0.5"
