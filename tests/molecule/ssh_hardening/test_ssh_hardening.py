"""Role `ssh_hardening`: audited and attacked from the controller over the scenario's network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lab_helpers import address as _address
from lab_helpers import assert_rejected, hosts, run_playbook, unchanged_hosts

KEYS = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))
SSH_AUDIT = str(Path(sys.executable).with_name("ssh-audit"))
POLICY = {"12": "Hardened Debian 12 (version 3)", "13": "Hardened Debian 13 (version 1)"}
CONVERGE = "molecule/ssh_hardening/converge.yml"


def _ssh(host, user, key=None, *options, command="id -un"):
    # ssh takes the first value given for an option: the caller's come first.
    args = ["ssh", *options, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=10", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR"]
    if key:
        args += ["-i", str(KEYS / f"id_{key}")]
    args += [f"{user}@{_address(host)}", command]
    return subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)


def test_admin_key_login_works_and_shows_the_banner(host):
    result = _ssh(host, "alice", "alice")
    assert result.returncode == 0 and result.stdout.strip() == "alice", result.stderr
    banner = _ssh(host, "alice", "alice", "-o", "LogLevel=INFO")
    assert "tapbot: authorised access only" in banner.stderr


def test_password_login_is_not_offered(host):
    result = _ssh(host, "alice", None, "-o", "PubkeyAuthentication=no",
                  "-o", "PreferredAuthentications=password,keyboard-interactive")
    assert result.returncode == 255
    assert "Permission denied (publickey)" in result.stderr, result.stderr


@pytest.mark.parametrize("user", ["root", "eve"], ids=["root-with-key", "non-admin-with-key"])
def test_logins_outside_the_admin_group_are_refused(host, user):
    result = _ssh(host, user, user)
    assert result.returncode == 255 and "Permission denied" in result.stderr, (result.stdout, result.stderr)


def test_effective_settings(host):
    effective = host.check_output("sshd -T")
    for line in ("passwordauthentication no", "kbdinteractiveauthentication no", "permitrootlogin no",
                 "allowgroups admins", "maxauthtries 3", "x11forwarding no", "allowtcpforwarding no",
                 "logingracetime 30", "clientaliveinterval 300"):
        assert line in effective, line
    assert host.run("awk '$1 !~ /^#/ && $5 < 3071' /etc/ssh/moduli | grep -q .").rc == 1
    assert "4096" in host.check_output("ssh-keygen -l -f /etc/ssh/ssh_host_rsa_key.pub")


def test_reload_keeps_sshd_running(host):
    pid = host.check_output("systemctl show -p MainPID --value ssh")
    host.check_output("systemctl reload ssh")
    assert host.check_output("systemctl show -p MainPID --value ssh") == pid
    assert _ssh(host, "alice", "alice").returncode == 0


# Debian 12's hardening policy (version 3) requires classical key exchanges
# (curve25519, DH group 16/18 and group exchange) next to the post-quantum
# sntrup761 ones; ssh-audit 3.9's general audit warns that exactly those give
# no post-quantum protection. The policy wins there; any other warning fails.
POLICY_REQUIRED_CLASSICAL_KEX = {
    "12": {"curve25519-sha256", "curve25519-sha256@libssh.org", "diffie-hellman-group16-sha512",
           "diffie-hellman-group18-sha512", "diffie-hellman-group-exchange-sha256"},
    "13": set(),
}


def test_ssh_audit_finds_no_failures_or_warnings(host):
    release = host.system_info.release.split(".")[0]
    result = subprocess.run([SSH_AUDIT, "--no-colors", _address(host)], capture_output=True, text=True, timeout=120, check=False)
    assert "[fail]" not in result.stdout, result.stdout
    warned = set()
    for line in result.stdout.splitlines():
        if "[warn]" in line:
            words = line.split()
            assert words[0] == "(kex)" and "post-quantum" in line, line
            warned.add(words[1])
    assert warned == POLICY_REQUIRED_CLASSICAL_KEX[release], result.stdout
    if not warned:
        assert result.returncode == 0, result.stdout


def test_ssh_audit_hardening_policy_passes(host):
    policy = POLICY[host.system_info.release.split(".")[0]]
    result = subprocess.run([SSH_AUDIT, "--no-colors", "-P", policy, _address(host)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0 and "Passed" in result.stdout, result.stdout


# The lockout guard's other cases (firewall, login account) are unit tests
# (tests/unit/test_filter_ssh_hardening.py, test_preflight.py): they need no host.
def test_lockout_guard_no_admin_key():
    with unchanged_hosts():
        run = run_playbook(CONVERGE, {"ssh_hardening_admins": [{"name": "alice", "ssh_keys": []}]})
    assert_rejected(run, "lockout guard: no admin in this play has an authorized key")


def test_option_sshd_rejects_leaves_the_old_config_in_force():
    before = {h.backend.get_hostname(): h.file("/etc/ssh/sshd_config").sha256sum for h in hosts()}
    with unchanged_hosts():
        run = run_playbook(CONVERGE, {"ssh_hardening_extra_options": {"PermitRootLogin": "sometimes"}})
    assert run.rc != 0
    assert "failed to validate" in run.output, run.output[-2000:]
    for h in hosts():
        assert h.file("/etc/ssh/sshd_config").sha256sum == before[h.backend.get_hostname()]
        assert _ssh(h, "alice", "alice").returncode == 0
