"""The role plugins that validation relies on."""

from __future__ import annotations

import base64
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import ssh_keys
import timezone

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGTwdMCjP9ImX77Sy3iB12QZIJmr3wqtITYAM2a2EtvI alice@molecule"


def _blob(*parts: bytes) -> str:
    return base64.b64encode(b"".join(struct.pack(">I", len(p)) + p for p in parts)).decode()


def _keygen(tmp_path, kind, bits=None):
    path = tmp_path / f"k_{kind}_{bits}"
    cmd = ["ssh-keygen", "-q", "-N", "", "-t", kind, "-f", str(path)]
    if bits:
        cmd += ["-b", str(bits)]
    subprocess.run(cmd, check=True)
    return (path.parent / (path.name + ".pub")).read_text().strip()


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa", "rsa"])
def test_real_keys_are_accepted(tmp_path, kind):
    assert ssh_keys.ssh_key_problem(_keygen(tmp_path, kind)) == ""


def test_key_without_comment_is_accepted():
    assert ssh_keys.ssh_key_problem(" ".join(ED25519.split()[:2])) == ""


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "empty key"),
        (None, "empty key"),
        ("ssh-ed25519", "expected '<type> <base64> [comment]'"),
        ("ssh-ed25519 !!!notbase64 x", "not valid base64"),
        ("ssh-foo AAAA x", "unknown or unsupported key type 'ssh-foo'"),
        ('from="1.2.3.4" ' + ED25519, "unknown or unsupported key type"),
        ("ssh-dss AAAA x", "DSA keys are obsolete"),
        ("ssh-rsa " + ED25519.split()[1], "is a 'ssh-ed25519' key but the line says 'ssh-rsa'"),
        (ED25519 + "\n" + ED25519, "one key per list item"),
        ("ssh-ed25519 " + _blob(b"ssh-ed25519", b"short"), "wrong length"),
        ("ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\xffssh").decode(), "truncated"),
    ],
)
def test_bad_keys_are_named(key, reason):
    assert reason in ssh_keys.ssh_key_problem(key)


def test_weak_rsa_key_is_refused(tmp_path):
    assert "RSA key of 1024 bits is too weak" in ssh_keys.ssh_key_problem(_keygen(tmp_path, "rsa", 1024))


@pytest.mark.parametrize("name", ["Asia/Almaty", "UTC", "Europe/Moscow", "Asia/Qostanay"])
def test_known_time_zones(name):
    assert timezone.known_timezone(name)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", None, "asia/almaty", "../etc/passwd"])
def test_unknown_time_zones(name):
    assert not timezone.known_timezone(name)


# --- ufw rule filters -------------------------------------------------------
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "roles" / "ufw" / "filter_plugins"))
import ufw_rules  # noqa: E402

GROUPS = {"all": ["s1", "s2"], "apps": ["s1"], "data": ["s2"], "ungrouped": []}
ADDRESSES = {"s1": "198.18.0.11", "s2": "198.18.0.12"}


def test_ufw_group_sources_become_addresses_and_tags_are_stable():
    rules = [{"port": 6379, "sources": ["apps"], "comment": "redis"}, {"port": "8000:8010", "proto": "udp"}]
    entries = ufw_rules.expand(rules, GROUPS, ADDRESSES)
    assert [(e["port"], e["proto"], e["src"]) for e in entries] == [("6379", "tcp", "198.18.0.11"), ("8000:8010", "udp", "any")]
    assert entries == ufw_rules.expand(rules, GROUPS, ADDRESSES)
    assert entries[0]["comment"] == f"tapbot:{entries[0]['tag']} redis"


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ({"port": 0}, "is not a port"),
        ({"port": "90:80"}, "is not a port"),
        ({"port": 22, "proto": "icmp"}, "is not tcp or udp"),
        ({"port": 22, "sources": ["198.18.0.0/33"]}, "neither a CIDR"),
        ({"port": 22, "sources": ["nosuchgroup"]}, "neither a CIDR"),
        ({"port": 22, "sources": []}, "non-empty list"),
        ({"port": 22, "rule": "deny"}, "is not allow or limit"),
        ({"port": 22, "comment": "it's"}, "comment may hold"),
        ({"port": 22, "from": "x"}, "unknown keys"),
    ],
)
def test_ufw_bad_rules_are_named(rule, reason):
    problems = ufw_rules.rule_problems([rule], GROUPS, ADDRESSES)
    assert any(reason in p for p in problems), problems


def test_ufw_group_host_without_address_is_named():
    problems = ufw_rules.rule_problems([{"port": 22, "sources": ["apps"]}], GROUPS, {"s1": "tapbot-server1"})
    assert problems and "set tapbot_address" in problems[0]


def test_ufw_only_stale_tagged_rules_are_removed():
    entries = ufw_rules.expand([{"port": 22}], GROUPS, ADDRESSES)
    added = "\n".join([
        "Added user rules (see 'ufw status' for running firewall):",
        f"ufw allow 22/tcp comment '{entries[0]['comment']}'",
        "ufw allow from 1.2.3.4 to any port 80 proto tcp comment 'tapbot:0123456789 gone'",
        "ufw allow 8080/tcp comment 'added by hand'",
    ])
    assert ufw_rules.stale_rules(added, entries) == [["allow", "from", "1.2.3.4", "to", "any", "port", "80", "proto", "tcp"]]


def test_ufw_rerun_declares_only_rules_it_does_not_hold():
    entries = ufw_rules.expand([{"port": 22}, {"port": 80, "comment": "web"}], GROUPS, ADDRESSES)
    added = "\n".join([
        "Added user rules (see 'ufw status' for running firewall):",
        f"ufw allow 22/tcp comment '{entries[0]['comment']}'",
        "ufw allow 80/tcp comment 'added by hand'",
    ])
    assert ufw_rules.missing_entries(entries, added) == [entries[1]]
    assert ufw_rules.missing_entries(entries, "") == entries


@pytest.mark.parametrize(("status", "conf", "enabled", "logging", "changes"), [
    ("Status: active\nLogging: on (low)", "ENABLED=yes\nLOGLEVEL=low\n", True, "low", {"state": False, "logging": False}),
    ("Status: inactive", "ENABLED=no\nLOGLEVEL=low\n", True, "low", {"state": True, "logging": False}),
    ("Status: active", "ENABLED=yes\nLOGLEVEL=low\n", True, "medium", {"state": False, "logging": True}),
    ("Status: active", "ENABLED=yes\nLOGLEVEL=off\n", False, "off", {"state": True, "logging": False}),
])
def test_ufw_enable_and_logging_only_when_they_differ(status, conf, enabled, logging, changes):
    assert ufw_rules.state_changes(status, conf, enabled, logging) == changes


# fail2ban: durations as fail2ban reads them, and the cross-variable checks.
import fail2ban_config  # noqa: E402

F2B_OK = {
    "ignoreip": ["198.18.0.0/24", "2001:db8::1"], "banaction": "ufw", "bantime": "1h", "findtime": "10m",
    "maxretry": 5, "bantime_increment": True, "bantime_factor": 1, "bantime_maxtime": "1w", "dbpurgeage": "1w",
    "sshd_port": 22, "sshd_maxretry": 5, "recidive_enabled": True, "recidive_bantime": "1w",
    "recidive_findtime": "1d", "recidive_maxretry": 5, "traefik_enabled": True,
    "traefik_access_log": "/var/log/traefik/access.log", "traefik_ports": [80, 443], "traefik_maxretry": 5,
    "webmin_port": 10000, "webmin_maxretry": 5, "jails": {"n8n-auth": {"enabled": True, "port": "443"}},
}
MANAGED = ["sshd", "recidive", "traefik-auth", "webmin-auth"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [(600, 600), ("30s", 30), ("10m", 600), ("1h 30m", 5400), ("1d", 86400), ("1w", 604800), ("90", 90),
     ("2 hours", 7200), ("0", None), ("-1", None), ("10 parsecs", None), ("", None), (True, None)],
)
def test_fail2ban_durations(text, expected):
    assert fail2ban_config.seconds(text) == expected


def test_fail2ban_good_settings_pass():
    assert fail2ban_config.fail2ban_problems(F2B_OK, MANAGED) == []
    # Extra vars arrive as text.
    assert fail2ban_config.fail2ban_problems(dict(F2B_OK, maxretry="3", sshd_port="2222"), MANAGED) == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"bantime": "soon"}, "fail2ban_bantime is 'soon'"),
        ({"maxretry": 0}, "fail2ban_maxretry is 0"),
        ({"sshd_port": 70000}, "fail2ban_sshd_port is 70000"),
        ({"traefik_ports": [80, "x"]}, "fail2ban_traefik_ports has 'x'"),
        ({"ignoreip": ["example.com"]}, "fail2ban_ignoreip has 'example.com'"),
        ({"bantime": "2w"}, "fail2ban_bantime_maxtime (1w) is shorter than fail2ban_bantime (2w)"),
        ({"dbpurgeage": "1d"}, "fail2ban_dbpurgeage (1d) is shorter than fail2ban_bantime_maxtime (1w)"),
        ({"recidive_findtime": "10m"}, "fail2ban_recidive_findtime (10m) is shorter than fail2ban_bantime (1h)"),
        ({"banaction": "nftables"}, "fail2ban_traefik_enabled needs fail2ban_banaction: ufw"),
        ({"traefik_access_log": "access.log"}, "fail2ban_traefik_access_log is 'access.log'"),
        ({"jails": {"sshd": {}}}, "fail2ban_jails['sshd']: this jail is managed"),
        ({"jails": {"bad name": {}}}, "fail2ban_jails['bad name']: a jail name"),
        ({"jails": {"x": {"port": [1, 2]}}}, "fail2ban_jails['x'].port: give a single value"),
        ({"jails": {"x": {"action": "a\nb"}}}, "fail2ban_jails['x'].action: a value may not span lines"),
        ({"jails": {"x": {"enabled": "yes"}}}, "fail2ban_jails['x'].enabled: give true or false"),
        ({"jails": {"x": "on"}}, "fail2ban_jails['x']: give a mapping"),
    ],
)
def test_fail2ban_bad_settings_are_named(change, named):
    problems = fail2ban_config.fail2ban_problems(dict(F2B_OK, **change), MANAGED)
    assert any(named in p for p in problems), problems


def test_fail2ban_increment_off_skips_its_checks():
    assert fail2ban_config.fail2ban_problems(dict(F2B_OK, bantime_increment=False, dbpurgeage="1d"), MANAGED) == []


# docker: daemon networks, mirrors, log limits, environment.
import docker_config  # noqa: E402

DOCKER_OK = {
    "major_version": 29, "bip": "172.30.0.1/24", "pools": [{"base": "172.31.0.0/16", "size": 24}],
    "mirrors": ["http://198.18.0.1:5000"], "log_max_size": "10m", "log_max_file": 3, "options": {},
    "environment": {"HTTPS_PROXY": "http://proxy:3128"}, "host_address": "93.189.229.59",
}


def test_docker_good_settings_pass():
    assert docker_config.docker_problems(DOCKER_OK) == []
    assert docker_config.docker_problems(dict(DOCKER_OK, major_version="29", log_max_file="5")) == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"major_version": "latest"}, "docker_major_version is 'latest'"),
        ({"bip": "172.30.0.0/24"}, "docker_bip is '172.30.0.0/24'"),
        ({"bip": "172.30.0.1"}, "docker_bip is '172.30.0.1'"),
        ({"pools": [{"base": "172.30.0.0/16", "size": 24}]}, "overlaps"),
        ({"pools": [{"base": "172.31.0.0/16"}]}, "give exactly base"),
        ({"pools": [{"base": "nonsense", "size": 24}]}, ".base 'nonsense' is not a CIDR"),
        ({"pools": [{"base": "172.31.0.0/16", "size": 8}]}, ".size 8 must lie between"),
        ({"pools": [{"base": "93.189.0.0/16", "size": 24}]}, "contains this server's own address 93.189.229.59"),
        ({"mirrors": ["registry.local"]}, "docker_registry_mirrors has 'registry.local'"),
        ({"log_max_size": "10MB"}, "docker_log_max_size is '10MB'"),
        ({"log_max_file": 0}, "docker_log_max_file is 0"),
        ({"options": ["x"]}, "docker_daemon_options must be a mapping"),
        ({"environment": {"A-B": "1"}}, "'A-B' is not an environment variable name"),
        ({"environment": {"A": 'say "hi"'}}, "docker_service_environment.A: give one line"),
    ],
)
def test_docker_bad_settings_are_named(change, named):
    problems = docker_config.docker_problems(dict(DOCKER_OK, **change))
    assert any(named in p for p in problems), problems
