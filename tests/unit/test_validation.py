"""Cross-variable validation that needs no server: run the roles' validate entry
points against inventories whose hosts are never contacted (assert runs on the
controller; the addresses are in the unroutable lab range anyway)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
PLAYBOOK = """
- name: Validate only
  hosts: all
  gather_facts: false
  tasks:
    - name: Validate ssh_hardening
      ansible.builtin.include_role:
        name: ssh_hardening
        tasks_from: validate
"""
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGTwdMCjP9ImX77Sy3iB12QZIJmr3wqtITYAM2a2EtvI alice@molecule"


def _validate(tmp_path, hostvars: dict, extra: dict) -> subprocess.CompletedProcess:
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    inventory = {"all": {"hosts": {"remote": {"ansible_host": "198.19.255.254", **hostvars}}}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    env = dict(os.environ, ANSIBLE_ROLES_PATH=str(PROJECT / "roles"), ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"))
    return subprocess.run([str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(tmp_path / "inventory.json"),
                           str(tmp_path / "play.yml"), "-e", f"@{tmp_path / 'extra.json'}"],
                          capture_output=True, text=True, env=env, cwd=PROJECT, timeout=120, check=False)


ADMINS = {"ssh_hardening_admins": [{"name": "alice", "ssh_keys": [KEY]}, {"name": "deploy", "ssh_keys": []}]}


@pytest.mark.parametrize(
    ("hostvars", "ok"),
    [
        ({"ansible_connection": "ssh", "ansible_user": "deploy"}, False),  # deploy has no key: next run locked out
        ({"ansible_connection": "ssh", "ansible_user": "alice"}, True),
        ({"ansible_connection": "ssh", "ansible_user": "root"}, True),  # the bootstrap run as root
        ({"ansible_connection": "community.docker.docker", "ansible_user": "deploy"}, True),  # not over SSH
    ],
    ids=["deploy-without-key", "admin-with-key", "root-bootstrap", "docker-connection"],
)
def test_lockout_guard_checks_the_account_ansible_logs_in_as(tmp_path, hostvars, ok):
    run = _validate(tmp_path, hostvars, ADMINS)
    if ok:
        assert run.returncode == 0, run.stdout[-2000:]
    else:
        assert run.returncode != 0
        assert "lockout guard: Ansible logs in as deploy" in run.stdout


def test_lockout_guard_firewall_ranges(tmp_path):
    extra = {**ADMINS, "ssh_hardening_firewall_enabled": True, "ssh_hardening_port": 2222,
             "ssh_hardening_firewall_rules": [{"port": "2000:3000", "proto": "tcp"}]}
    assert _validate(tmp_path, {"ansible_connection": "local"}, extra).returncode == 0
    extra["ssh_hardening_firewall_rules"] = [{"port": "2000:2221", "proto": "tcp"}, {"port": "2222", "proto": "tcp", "rule": "deny"}]
    run = _validate(tmp_path, {"ansible_connection": "local"}, extra)
    assert run.returncode != 0 and "admit no TCP traffic to SSH port 2222" in run.stdout
