"""filter.platform: the derived secrets and the platform-wide checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.tapbot.platform.plugins.filter import platform
from ansible_collections.tapbot.platform.plugins.filter.platform import (platform_problems, port_collisions,
                                                                        tapbot_secret, unknown_variables)

PROJECT = Path(__file__).resolve().parents[2]
MASTER = "unit-test-master-secret-0123456789"
OK = {"tapbot_master_secret": MASTER, "tapbot_domain": "tapbot.kz", "tapbot_address": "198.18.0.11",
      "tapbot_admin_networks": ["198.18.0.0/24", "2001:db8::/32", "203.0.113.7"]}


# --- tapbot_secret ------------------------------------------------------------

def test_secrets_are_stable_distinct_per_purpose_and_need_a_master():
    a = tapbot_secret(MASTER, "traefik/dashboard")
    assert a == tapbot_secret(MASTER, "traefik/dashboard")
    assert len(a) == 32 and a.replace("-", "").replace("_", "").isalnum()
    assert a != tapbot_secret(MASTER, "postgresql/n8n")
    assert a != tapbot_secret(MASTER + "x", "traefik/dashboard")
    for missing in ("", None, "short"):
        with pytest.raises(AnsibleFilterError, match="tapbot_master_secret is missing"):
            tapbot_secret(missing, "traefik/dashboard")


def test_secret_derivation_never_changes():
    # Every service password on every server is this value: a new formula would rotate them all.
    assert tapbot_secret(MASTER, "traefik/dashboard") == "a27A__FTNzxBmKDgCEba-lYEzQme9JUk"
    digest = hmac.new(MASTER.encode(), b"tapbot/postgresql/n8n", hashlib.sha256).digest()
    assert tapbot_secret(MASTER, "postgresql/n8n", 43) == base64.urlsafe_b64encode(digest).decode().rstrip("=")


@pytest.mark.parametrize("length", [16, 24, 43])
def test_secret_length(length):
    secret = tapbot_secret(MASTER, "redis/admin", length)
    assert len(secret) == length and tapbot_secret(MASTER, "redis/admin").startswith(secret[:16])


@pytest.mark.parametrize(
    ("purpose", "length", "message"),
    [("", 32, "needs a purpose"), (None, 32, "needs a purpose"), ("x", 15, "between 16 and 43"),
     ("x", 44, "between 16 and 43"), ("x", "32", "between 16 and 43")],
)
def test_secret_bad_arguments(purpose, length, message):
    with pytest.raises(AnsibleFilterError, match=message):
        tapbot_secret(MASTER, purpose, length)


def test_the_filters_are_published():
    assert set(platform.FilterModule().filters()) == {
        "tapbot_secret", "host_address", "platform_problems", "port_collisions", "unknown_variables",
        "missing_packages"}


# --- platform_problems ----------------------------------------------------------

def test_good_platform_inputs_pass():
    assert platform_problems(OK) == []
    # Optional inputs may be absent (the pre-flight hands over none).
    assert platform_problems({"tapbot_master_secret": MASTER, "tapbot_domain": None, "tapbot_address": None,
                              "tapbot_admin_networks": None}) == []
    assert platform_problems({"tapbot_master_secret": MASTER, "tapbot_address": ""}) == []


@pytest.mark.parametrize("secret", [None, "", "short", 1234567890123456789, ["x" * 20]])
def test_missing_or_weak_master_secret(secret):
    found = platform_problems({**OK, "tapbot_master_secret": secret})
    assert len(found) == 1 and found[0].startswith("tapbot_master_secret is missing or shorter than 16 characters")
    assert "vault" in found[0]


@pytest.mark.parametrize("domain", ["https://tapbot.kz", "tapbot.kz.", "TAPBOT.KZ", "tapbot", "tapbot.kz/n8n",
                                    "tapbot.kz:443", "", "ops@tapbot.kz", 42])
def test_bad_domain_is_named(domain):
    found = platform_problems({**OK, "tapbot_domain": domain})
    assert len(found) == 1 and found[0].startswith("tapbot_domain "), found
    assert "is not a bare domain name such as tapbot.kz" in found[0]


def test_bad_domain_is_quoted_as_written():
    assert platform_problems({**OK, "tapbot_domain": "https://tapbot.kz"})[0].startswith(
        'tapbot_domain "https://tapbot.kz" is not a bare domain name')


@pytest.mark.parametrize("address", ["tapbot-server1", "198.18.0.0/24", "198.18.0.11/32", "999.1.1.1"])
def test_bad_address_is_named(address):
    found = platform_problems({**OK, "tapbot_address": address})
    assert found == [f'tapbot_address "{address}" is not an IP address '
                     "(the address the other servers reach this one at)"]


@pytest.mark.parametrize("address", ["198.18.0.11", "2001:db8::11"])
def test_good_addresses(address):
    assert platform_problems({**OK, "tapbot_address": address}) == []


@pytest.mark.parametrize(
    ("networks", "expected"),
    [
        (["office.tapbot.kz"], 'tapbot_admin_networks has "office.tapbot.kz", which is not an address or CIDR'),
        (["198.18.0.0/33"], 'tapbot_admin_networks has "198.18.0.0/33", which is not an address or CIDR'),
        (["198.18.0.0/24", 5], "tapbot_admin_networks has 5, which is not an address or CIDR"),
        (["0.0.0.0/0"], "tapbot_admin_networks has 0.0.0.0/0, which is every address: fail2ban would ban nobody"),
        (["::/0"], "tapbot_admin_networks has ::/0, which is every address: fail2ban would ban nobody"),
    ],
)
def test_bad_admin_networks_are_named(networks, expected):
    assert platform_problems({**OK, "tapbot_admin_networks": networks}) == [expected]


def test_admin_networks_as_a_string_is_one_message():
    found = platform_problems({**OK, "tapbot_admin_networks": "198.18.0.0/24"})
    assert len(found) == 1 and found[0].startswith("tapbot_admin_networks must be a list of addresses or CIDRs (found ")


def test_every_problem_is_named_at_once():
    found = platform_problems({"tapbot_master_secret": "", "tapbot_domain": "TAPBOT.KZ", "tapbot_address": "x",
                               "tapbot_admin_networks": ["y"]})
    assert [p.split()[0] for p in found] == ["tapbot_master_secret", "tapbot_domain", "tapbot_address",
                                            "tapbot_admin_networks"]


# --- port_collisions -----------------------------------------------------------

def test_port_collision_names_both_variables():
    found = port_collisions([{"ssh_hardening_port": 22}, {"postgresql_port": 22}])
    assert len(found) == 1
    assert "postgresql_port" in found[0] and "ssh_hardening_port" in found[0] and "22" in found[0]
    assert found[0] == ("postgresql_port is 22, the port ssh_hardening_port already takes on this host: "
                        "give one of them another port")


def test_ports_as_text_collide_with_numbers():
    found = port_collisions([{"traefik_http_port": "80"}, {"qdrant_http_port": 80}])
    assert len(found) == 1 and "qdrant_http_port" in found[0] and "traefik_http_port" in found[0]


def test_distinct_ports_and_bad_values_pass():
    maps = [{"ssh_hardening_port": 22}, {"traefik_http_port": 80, "traefik_https_port": 443}, None, {},
            {"postgresql_port": 5432}, {"redis_port": "nonsense"}, {"qdrant_http_port": 0}, {"x": None}]
    assert port_collisions(maps) == []
    assert port_collisions([]) == []


def test_each_further_collision_is_named():
    found = port_collisions([{"a_port": 6379}, {"b_port": 6379}, {"c_port": "6379"}])
    assert [p.split()[0] for p in found] == ["b_port", "c_port"]
    assert all("the port a_port already takes" in p for p in found)


# --- unknown_variables -----------------------------------------------------------

def test_unknown_variable_is_named_and_known_ones_are_not():
    found = unknown_variables(["docker_mirors", "docker_bip"], str(PROJECT / "roles" / "docker"))
    assert len(found) == 1 and "docker_mirors" in found[0] and "docker_bip" not in found[0]
    assert "the docker role has no such variable" in found[0] and "roles/docker/README.md" in found[0]


def test_unknown_variable_suggests_the_closest_name():
    found = unknown_variables(["docker_log_max_sise"], str(PROJECT / "roles" / "docker"))
    assert found and "(did you mean docker_log_max_size?)" in found[0]


def test_unknown_variables_ignores_other_prefixes_and_the_roles_own_names():
    names = ["tapbot_domain", "dockerx", "ufw_ssh_port", "docker_problems", "docker_daemon_config", "docker_bip",
             "docker_major_version", "docker_registry_mirrors"]
    assert unknown_variables(names, str(PROJECT / "roles" / "docker")) == []
    assert unknown_variables([], str(PROJECT / "roles" / "docker")) == []


def test_unknown_variables_are_sorted_and_named_once():
    found = unknown_variables(["docker_zz", "docker_aa", "docker_aa"], str(PROJECT / "roles" / "docker") + "/")
    assert [p.split()[0] for p in found] == ["docker_aa", "docker_zz"]


@pytest.mark.parametrize("role", ["base", "users", "ssh_hardening", "ufw", "fail2ban", "docker", "traefik",
                                  "postgresql", "redis", "qdrant"])
def test_every_role_knows_its_own_defaults(role):
    defaults = yaml.safe_load((PROJECT / "roles" / role / "defaults" / "main.yml").read_text()) or {}
    assert unknown_variables(list(defaults) + [f"{role}_problems"], str(PROJECT / "roles" / role)) == []


def test_missing_packages_from_the_package_facts():
    from ansible_collections.tapbot.platform.plugins.filter.platform import missing_packages

    installed = {"ufw": [{"version": "0.36"}], "sudo": [{"version": "1.9"}]}
    assert missing_packages(["ufw", "sudo"], installed) == []
    assert missing_packages(["ufw", "fail2ban"], installed) == ["fail2ban"]
    assert missing_packages("ufw", installed) == []
    # No facts (a bare server without python3-apt): every package is asked for.
    assert missing_packages(["ufw"], None) == ["ufw"]
