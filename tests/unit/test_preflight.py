"""The pre-flight play (playbooks/validate.yml) run as an operator runs it, on
the controller alone: two inventory hosts that are this machine (local
connection; facts, the locale list and the asserts are read-only), with the
platform's group_vars. Each operator mistake must stop the run before any play
that changes a host, with one message naming the variable the operator set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGTwdMCjP9ImX77Sy3iB12QZIJmr3wqtITYAM2a2EtvI alice@unit"
DEPLOY_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII11lK4uwhUnp4R3NGiVsgekOVKqvhMV3p2J1lxu0vJj deploy@unit"
# A valid platform: every check passes (the test below proves it).
PLATFORM = {
    "tapbot_master_secret": "unit-test-master-secret-0123456789",
    "tapbot_domain": "tapbot.test",
    "tapbot_admin_networks": ["198.18.250.0/24"],
    "users_admins": [{"name": "alice", "ssh_keys": [KEY]}],
    "users_deploy_ssh_keys": [DEPLOY_KEY],
    "qdrant_skip_unavailable_image": True,
}
HOSTS = {"apps": {"hosts": {"server1": {"tapbot_address": "198.18.0.11"}}},
         "data": {"hosts": {"server2": {"tapbot_address": "198.18.0.12"}}}}


def preflight(tmp_path, extra: dict | None = None, hosts: dict | None = None) -> subprocess.CompletedProcess:
    inventory = {"all": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
                         "children": hosts or HOSTS}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "extra.json").write_text(json.dumps({**PLATFORM, **(extra or {})}))
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run([str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(tmp_path / "inventory.json"),
                           str(PROJECT / "playbooks" / "validate.yml"), "-e", f"@{tmp_path / 'extra.json'}"],
                          capture_output=True, text=True, env=env, cwd=PROJECT, timeout=300, check=False)


def refused(run: subprocess.CompletedProcess, *named: str) -> str:
    out = run.stdout + run.stderr
    assert run.returncode != 0, f"the pre-flight accepted bad input:\n{out[-3000:]}"
    assert "fix these inputs" in out, f"the failure did not come from validation:\n{out[-3000:]}"
    for text in named:
        assert text in out, f"the message does not name {text!r}:\n{out[-3000:]}"
    return out


def test_a_valid_platform_passes(tmp_path):
    run = preflight(tmp_path)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]


def test_a_single_server_inventory_passes(tmp_path):
    one = {"apps": {"hosts": {"server1": {"tapbot_address": "198.18.0.11"}}},
           "data": {"hosts": {"server1": {}}}}
    run = preflight(tmp_path, hosts=one)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]


@pytest.mark.parametrize(("extra", "named"), [
    # Ports on one host must not collide, named by the variables the operator set.
    ({"postgresql_port": 6379}, ["redis_port is 6379, the port postgresql_port already takes"]),
    ({"traefik_https_port": 22}, ["traefik_https_port is 22, the port ssh_hardening_port already takes"]),
    ({"qdrant_grpc_enabled": True, "qdrant_grpc_port": 5432},
     ["qdrant_grpc_port is 5432, the port postgresql_port already takes"]),
    # Platform inputs.
    ({"tapbot_domain": "https://tapbot.kz/"}, ['tapbot_domain "https://tapbot.kz/" is not a bare domain name']),
    ({"tapbot_domain": "tapbot.kz."}, ['tapbot_domain "tapbot.kz." is not a bare domain name']),
    ({"tapbot_admin_networks": ["office"]}, ['tapbot_admin_networks has "office"']),
    ({"tapbot_master_secret": "short"}, ["tapbot_master_secret is missing or shorter than 16"]),
    # A misspelt variable is named, with the closest real one.
    ({"postgresql_max_conections": 50}, ["postgresql_max_conections is set but the postgresql role has no such variable",
                                         "did you mean postgresql_max_connections?"]),
    ({"ufw_rule_host": []}, ["ufw_rule_host is set but the ufw role has no such variable"]),
    # A value only the host can judge, judged in the pre-flight.
    ({"base_locales": ["en_US.UTF-8", "xx_YY.UTF-8"]}, ['base_locales item "xx_YY.UTF-8" is not a locale this host can generate']),
    # A string where a list is expected: one message naming the variable and the type.
    ({"redis_save": "3600 1"}, ["redis_save must be a list"]),
    ({"docker_registry_mirrors": "http://198.18.0.253:5000"}, ["docker_registry_mirrors must be a list of URLs (found text)"]),
    # The variable the operator set is named, not the UFW rule or fail2ban list derived from it.
    ({"ssh_hardening_port": 70000}, ["ssh_hardening_port 70000 is not a TCP port"]),
    ({"traefik_https_port": 0}, ["traefik_https_port is 0: give a port number"]),
])
def test_operator_mistakes_stop_the_run_naming_the_variable(tmp_path, extra, named):
    out = refused(preflight(tmp_path, extra), *named)
    assert "ufw_rules_group[" not in out and "fail2ban_sshd_port" not in out, out[-3000:]
    assert PLATFORM["tapbot_master_secret"] not in out


def test_text_where_mappings_are_expected_is_refused_by_the_argument_spec(tmp_path):
    """The spec's type layer: one message naming the variable and the type, before the role's own checks."""
    run = preflight(tmp_path, {"users_admins": "alice"})
    out = run.stdout + run.stderr
    assert run.returncode != 0
    assert "Elements value for option 'users_admins' is of type str" in out, out[-3000:]
    assert out.count("unable to convert") <= 4, out[-3000:]  # once per host, not once per character


@pytest.mark.parametrize(("extra", "named"), [
    # The argument specs' layer: choices, nested keys, required keys, types.
    ({"redis_appendfsync": "sometimes"}, "value of redis_appendfsync must be one of: always, everysec, no"),
    ({"postgresql_users": [{"name": "n8n", "password": "x" * 20, "role": "admin"}]}, "role"),
    ({"traefik_routes": [{"name": "n8n", "host": "n8n.tapbot.test"}]}, "missing required arguments: backend"),
    ({"ufw_rules_host": [{"port": 22, "proto": "icmp"}]}, "value of proto must be one of: tcp, udp"),
    ({"docker_log_max_file": "many"}, "docker_log_max_file"),
])
def test_the_argument_specs_refuse_what_types_and_choices_can_say(tmp_path, extra, named):
    run = preflight(tmp_path, extra)
    out = run.stdout + run.stderr
    assert run.returncode != 0 and "Validation of arguments failed" in out, out[-3000:]
    assert named in out, out[-3000:]


def test_lockout_guard_names_the_mismatching_firewall_port(tmp_path):
    hosts = {"apps": {"hosts": {"server1": {"tapbot_address": "198.18.0.11", "ufw_ssh_port": 2200}}},
             "data": {"hosts": {"server2": {"tapbot_address": "198.18.0.12"}}}}
    refused(preflight(tmp_path, {"ssh_hardening_port": 2222}, hosts),
            "lockout guard: the firewall rules admit no TCP traffic to SSH port 2222",
            "ssh_hardening_port is 2222", "ufw_ssh_port")
