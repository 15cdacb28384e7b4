"""Role `users`, checked from the outside on every host of the scenario."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from lab_helpers import assert_rejected, run_playbook, unchanged_hosts

SCENARIO_VARS = yaml.safe_load((Path(__file__).resolve().parents[3] / "molecule" / "users" / "vars" / "main.yml").read_text())
STRAY = "AAAAC3NzaC1lZDI1NTE5AAAAIAzGT+zgPEF+VhW20Hm94qBGOUYBWVhLUD9ooz0iFRV9"


def _admin(name):
    return next(a for a in SCENARIO_VARS["users_admins"] if a["name"] == name)


def _key_blobs(host, user):
    content = host.file(f"/home/{user}/.ssh/authorized_keys").content_string
    return [line.split()[1] for line in content.splitlines() if line.strip() and not line.startswith("#")]


def test_admins_exist_with_their_shells_and_group(host):
    alice = host.user("alice")
    assert alice.exists and alice.shell == "/bin/bash" and "admins" in alice.groups
    assert alice.gecos.startswith("Alice Admin")
    assert host.user("carol").shell == "/bin/sh"
    assert "admins" in host.user("rsauser").groups


def test_authorized_keys_hold_the_declared_keys(host):
    ssh_dir = host.file("/home/alice/.ssh")
    assert ssh_dir.mode == 0o700 and ssh_dir.user == "alice"
    keys = host.file("/home/alice/.ssh/authorized_keys")
    assert keys.user == "alice" and keys.mode == 0o600
    blobs = _key_blobs(host, "alice")
    for declared in _admin("alice")["ssh_keys"]:
        assert declared.split()[1] in blobs
    # Not exclusive: the key added by hand stays.
    assert STRAY in blobs


def test_exclusive_keys_remove_keys_added_by_hand(host):
    assert _key_blobs(host, "carol") == [_admin("carol")["ssh_keys"][0].split()[1]]


def test_account_marked_absent_is_gone(host):
    assert not host.user("bob").exists
    assert not host.file("/home/bob").exists


def test_deploy_account(host):
    deploy = host.user("deploy")
    assert deploy.exists and "admins" in deploy.groups
    assert _key_blobs(host, "deploy") == [SCENARIO_VARS["users_deploy_ssh_keys"][0].split()[1]]
    assert host.run("sudo -u deploy sudo -n id -u").stdout.strip() == "0"


def test_admins_get_root_without_password(host):
    for user in ("alice", "carol"):
        result = host.run(f"sudo -u {user} sudo -n id -u")
        assert result.rc == 0 and result.stdout.strip() == "0", (user, result.stderr)


def test_ordinary_user_is_refused_root(host):
    result = host.run("sudo -u guest sudo -n id -u")
    assert result.rc != 0
    assert result.stdout.strip() != "0"


def test_sudoers_drop_in_is_valid_and_protected(host):
    drop_in = host.file("/etc/sudoers.d/50-admins")
    assert drop_in.mode == 0o440 and drop_in.user == "root"
    assert host.run("visudo -c").rc == 0


# One refused input proves, on real hosts, that nothing changes; every other bad
# input of this role is a unit test (tests/unit/test_filter_users.py, test_preflight.py).
def test_no_admin_at_all_is_rejected():
    with unchanged_hosts():
        run = run_playbook("playbooks/common.yml", {**SCENARIO_VARS, "users_admins": []})
    assert_rejected(run, "users_admins declares no present admin")
