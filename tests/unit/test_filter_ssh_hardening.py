"""filter.ssh_hardening: the role's inputs and the SSH lockout guard."""

from __future__ import annotations

import pytest
from ansible_collections.tapbot.platform.plugins.filter import ssh_hardening
from ansible_collections.tapbot.platform.plugins.filter.ssh_hardening import admits, ssh_hardening_problems

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGTwdMCjP9ImX77Sy3iB12QZIJmr3wqtITYAM2a2EtvI alice@molecule"
ADMINS = [{"name": "alice", "ssh_keys": [KEY]}, {"name": "deploy", "ssh_keys": []}]
OK = {
    "ssh_hardening_port": 22, "ssh_hardening_allow_groups": ["admins"], "ssh_hardening_admins": ADMINS,
    "ssh_hardening_firewall_enabled": False, "ssh_hardening_firewall_rules": [],
    "ssh_hardening_extra_options": {}, "ssh_hardening_penalty_exempt": [], "ssh_hardening_rsa_host_key_bits": 4096,
    "ansible_user": "alice", "ansible_connection": "ssh",
}
GUARD = "lockout guard: Ansible logs in as deploy"


def problems(**changes):
    return ssh_hardening_problems({**OK, **changes})


def test_good_inputs_pass():
    assert problems() == []
    assert problems(ssh_hardening_port="2222", ssh_hardening_rsa_host_key_bits="3072",
                    ssh_hardening_extra_options={"LogLevel": "VERBOSE"},
                    ssh_hardening_penalty_exempt=["198.18.0.0/24", "2001:db8::1"]) == []


def test_no_admin_with_a_key_is_a_lockout():
    for admins in ([], [{"name": "alice", "ssh_keys": []}], [{"name": "alice", "ssh_keys": [KEY], "state": "absent"}]):
        found = problems(ssh_hardening_admins=admins, ansible_user="")
        assert found == ["lockout guard: no admin in this play has an authorized key (ssh_hardening_admins, normally "
                         "users_admins); password login is about to be switched off"], admins


@pytest.mark.parametrize(
    ("user", "connection", "ok"),
    [
        ("deploy", "ssh", False),  # deploy has no key: the next run would be locked out
        ("deploy", "ansible.builtin.ssh", False),
        ("deploy", "paramiko", False),
        ("deploy", None, False),  # no connection named: ssh
        ("bob", "ssh", False),  # not an admin at all
        ("alice", "ssh", True),
        ("root", "ssh", True),  # the bootstrap run as root
        ("", "ssh", True),
        ("deploy", "community.docker.docker", True),  # not over SSH
        ("deploy", "local", True),
    ],
    ids=["deploy-without-key", "deploy-builtin-ssh", "deploy-paramiko", "deploy-default-connection", "not-an-admin",
         "admin-with-key", "root-bootstrap", "no-user", "docker-connection", "local-connection"],
)
def test_lockout_guard_checks_the_account_ansible_logs_in_as(user, connection, ok):
    found = problems(ansible_user=user, ansible_connection=connection)
    if ok:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(f"lockout guard: Ansible logs in as {user} (ansible_user)")
        assert f"give {user} a key, or set ansible_user to an admin who has one" in found[0]


def test_the_guard_reads_present_admins_only():
    admins = [{"name": "alice", "ssh_keys": [KEY]}, {"name": "deploy", "ssh_keys": [KEY], "state": "absent"}]
    assert any(GUARD in p for p in problems(ssh_hardening_admins=admins, ansible_user="deploy"))
    assert problems(ssh_hardening_admins=[*ADMINS[:1], {"name": "deploy", "ssh_keys": [KEY]}],
                    ansible_user="deploy") == []


FIREWALL = {"ssh_hardening_firewall_enabled": True, "ssh_hardening_port": 2222}


@pytest.mark.parametrize(
    "rules",
    [
        [{"port": "2000:3000", "proto": "tcp"}],
        [{"port": "2000:3000"}],
        [{"port": 2222, "rule": "limit"}],
        [{"port": "2222", "proto": "any"}],
        [{"port": 80}, "junk", {"port": "2222:2222", "proto": "tcp", "sources": ["198.18.0.0/24"]}],
    ],
)
def test_firewall_rules_that_admit_the_ssh_port(rules):
    assert problems(**FIREWALL, ssh_hardening_firewall_rules=rules) == []


def test_firewall_rules_that_refuse_the_ssh_port_are_named():
    rules = [{"port": "2000:2221", "proto": "tcp"}, {"port": 2222, "proto": "udp"},
             {"port": "2222", "proto": "tcp", "rule": "deny"}]
    found = problems(**FIREWALL, ssh_hardening_firewall_rules=rules)
    assert len(found) == 1
    assert found[0].startswith("lockout guard: the firewall rules admit no TCP traffic to SSH port 2222: "
                               "ssh_hardening_port is 2222")
    assert "admit TCP on 2000:2221; set ufw_ssh_port to the same port" in found[0]


def test_no_firewall_rule_at_all():
    found = problems(**FIREWALL, ssh_hardening_firewall_rules=[])
    assert len(found) == 1 and "admit TCP on no port" in found[0]


def test_firewall_off_or_bad_port_skips_the_rules():
    assert problems(ssh_hardening_firewall_rules=[{"port": 80}]) == []  # firewall not managed
    found = problems(ssh_hardening_firewall_enabled=True, ssh_hardening_port=0, ssh_hardening_firewall_rules=[])
    assert found == ["ssh_hardening_port 0 is not a TCP port (1-65535)"]


@pytest.mark.parametrize(
    ("rule", "port", "expected"),
    [({"port": 22}, 22, True), ({"port": "20:30"}, 22, True), ({"port": "20:30"}, 31, False),
     ({"port": 22, "proto": "udp"}, 22, False), ({"port": 22, "rule": "deny"}, 22, False), ({}, 22, False),
     ({"port": "ssh"}, 22, False)],
)
def test_admits(rule, port, expected):
    assert admits(rule, port) is expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"ssh_hardening_port": 70000}, "ssh_hardening_port 70000 is not a TCP port (1-65535)"),
        ({"ssh_hardening_port": "ssh"}, 'ssh_hardening_port "ssh" is not a TCP port (1-65535)'),
        ({"ssh_hardening_allow_groups": []}, "ssh_hardening_allow_groups is empty: nobody could log in"),
        ({"ssh_hardening_extra_options": {"Match": "User x"}}, 'ssh_hardening_extra_options: "Match" is not an sshd '
                                                               "option name (Match blocks are not supported)"),
        ({"ssh_hardening_extra_options": {"Log Level": "x"}}, "is not an sshd option name"),
        ({"ssh_hardening_extra_options": {"Banner": "a\nb"}}, "ssh_hardening_extra_options.Banner has a line break"),
        ({"ssh_hardening_extra_options": ["Banner none"]}, "ssh_hardening_extra_options must be a mapping of "
                                                           "sshd option: value (found "),
        ({"ssh_hardening_penalty_exempt": ["office"]}, 'ssh_hardening_penalty_exempt: "office" is not an address'),
        ({"ssh_hardening_rsa_host_key_bits": 2048}, "ssh_hardening_rsa_host_key_bits 2048 must be at least 3072"),
        ({"ssh_hardening_rsa_host_key_bits": "big"}, 'ssh_hardening_rsa_host_key_bits "big" must be at least 3072'),
    ],
)
def test_bad_inputs_are_named(changes, expected):
    found = problems(**changes)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    ("var", "shape", "extra"),
    [("ssh_hardening_allow_groups", "group names", {}),
     ("ssh_hardening_admins", "{name, ssh_keys}", {}),
     ("ssh_hardening_penalty_exempt", "addresses or CIDRs", {}),
     ("ssh_hardening_firewall_rules", "firewall rules", FIREWALL)],
)
def test_a_string_where_a_list_is_expected_is_one_message(var, shape, extra):
    found = problems(**extra, **{var: "admins"})
    assert len(found) == 1 and found[0].startswith(f"{var} must be a list of {shape} (found "), found


def test_the_filter_is_published():
    assert ssh_hardening.FilterModule().filters() == {"ssh_hardening_problems": ssh_hardening_problems}
