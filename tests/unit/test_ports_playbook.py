"""playbooks/ports.yml (`make ports`) run as an operator runs it, on inventories
whose hosts cannot be reached: the handbook comes from the inventory alone.
Each host's Python is a path that does not exist, so a module run on a host
(or a connection to it) would fail the run."""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
UNREACHABLE = {"ansible_host": "198.19.255.254", "ansible_port": 1, "ansible_python_interpreter": "/nonexistent/python"}
HOSTS = {"apps": {"hosts": {"server1": {**UNREACHABLE, "tapbot_address": "198.18.0.11"}}},
         "data": {"hosts": {"server2": {**UNREACHABLE, "tapbot_address": "198.18.0.12"}}}}
PICTURE = shutil.which("dot") is not None


def ports(tmp_path, hosts: dict | None = None, extra: dict | None = None, group_vars: dict | None = None):
    inventory = {"all": {"vars": {"tapbot_environment": "unit", **(group_vars or {})}, "children": hosts or HOSTS}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    out = tmp_path / "docs"
    (tmp_path / "extra.json").write_text(json.dumps({"tapbot_ports_dir": str(out), "tapbot_ports_picture": PICTURE,
                                                     **(extra or {})}))
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    run = subprocess.run([str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(tmp_path / "inventory.json"),
                          str(PROJECT / "playbooks" / "ports.yml"), "-e", f"@{tmp_path / 'extra.json'}"],
                         capture_output=True, text=True, env=env, cwd=PROJECT, timeout=300, check=False)
    return run, out


def written(tmp_path, **kwargs) -> tuple[dict, Path, str]:
    run, out = ports(tmp_path, **kwargs)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    doc = json.loads((out / "ports.json").read_text())
    return {h["name"]: {(e["port"], e["proto"]): e for e in h["listeners"]} for h in doc["hosts"]}, out, run.stdout


def test_the_handbook_comes_from_the_inventory_without_reaching_a_host(tmp_path):
    hosts, out, _ = written(tmp_path)
    s1, s2 = hosts["server1"], hosts["server2"]
    assert {k for k in s1 if k[0]} == {(22, "tcp"), (80, "tcp"), (443, "tcp")}
    assert {k for k in s2 if k[0]} == {(22, "tcp"), (5432, "tcp"), (6379, "tcp"), (6333, "tcp")}
    assert s1[(443, "tcp")]["reach"] == "public" and s1[(443, "tcp")]["variable"] == "traefik_https_port"
    for port in (5432, 6379, 6333):  # group_vars/data: only from the apps servers, on the data server's address
        assert s2[(port, "tcp")]["sources"] == ["198.18.0.11"] and "198.18.0.12" in s2[(port, "tcp")]["addresses"]
    assert s2[(22, "tcp")]["addresses"] == ["0.0.0.0", "::"]
    assert not s2[(6333, "tcp")]["optional"]  # qdrant_skip_unavailable_image is false unless an inventory says so
    md = (out / "ports.md").read_text()
    assert md.startswith("# Port handbook: unit\n") and "## server2 (198.18.0.12)" in md
    assert '"host:server1" -> "server2:tcp/5432";' in (out / "topology.dot").read_text()
    if PICTURE:
        assert "<svg" in (out / "topology.svg").read_text()


def test_a_second_run_changes_nothing(tmp_path):
    written(tmp_path)
    _, _, output = written(tmp_path)
    assert "changed=0" in output.split("PLAY RECAP")[1].splitlines()[1], output[-2000:]


@pytest.mark.skipif(PICTURE, reason="Graphviz's dot is installed here: the message for its absence cannot be seen")
def test_without_graphviz_the_run_says_what_to_install(tmp_path):
    run, _ = ports(tmp_path, extra={"tapbot_ports_picture": True})
    assert run.returncode != 0 and "install Debian's graphviz package" in run.stdout + run.stderr


def test_inventory_values_change_the_handbook(tmp_path):
    # group_vars/data beats an inventory's groups: a host's own value beats it.
    data = {"hosts": {"server2": {**HOSTS["data"]["hosts"]["server2"], "redis_bind_addresses": ["127.0.0.1"]}}}
    hosts, _, _ = written(tmp_path, hosts={**HOSTS, "data": data}, group_vars={
        "qdrant_grpc_enabled": True, "qdrant_skip_unavailable_image": True, "ssh_hardening_port": 2222,
        "docker_source": "docker"})
    s1, s2 = hosts["server1"], hosts["server2"]
    assert s2[(6334, "tcp")]["variable"] == "qdrant_grpc_port" and s2[(6334, "tcp")]["optional"]
    assert s1[(2222, "tcp")]["reach"] == "public" and (22, "tcp") not in s1
    assert s2[(6379, "tcp")]["reach"] == "local"
    assert [e for e in s2.values() if e["role"] == "docker"][0]["optional"]  # Docker's containerd has no CRI listener


def test_a_single_server_gets_every_port(tmp_path):
    one = {"apps": {"hosts": {"server1": {**UNREACHABLE, "tapbot_address": "198.18.0.11"}}},
           "data": {"hosts": {"server1": {}}}}
    hosts, _, _ = written(tmp_path, hosts=one)
    assert {k[0] for k in hosts["server1"] if k[0]} == {22, 80, 443, 5432, 6379, 6333}
    assert hosts["server1"][(5432, "tcp")]["sources"] == ["198.18.0.11"]
    # Both groups' firewall rules: a host in apps and data keeps Traefik's public ports too.
    assert hosts["server1"][(443, "tcp")]["reach"] == "public" and hosts["server1"][(80, "tcp")]["reach"] == "public"


def test_a_production_shaped_inventory_works(tmp_path):
    """Production's tapbot_address is its ansible_host (here in the test range)."""
    shaped = {"apps": {"hosts": {"server1": {**UNREACHABLE, "ansible_host": "198.19.255.11"}}},
              "data": {"hosts": {"server2": {**UNREACHABLE, "ansible_host": "198.19.255.12"}}}}
    hosts, _, _ = written(tmp_path, hosts=shaped, group_vars={"tapbot_address": "{{ ansible_host }}", "ansible_user": "deploy"})
    assert hosts["server2"][(6379, "tcp")]["sources"] == ["198.19.255.11"]


def test_a_server_without_an_address_is_named(tmp_path):
    hosts = {"apps": {"hosts": {"server1": dict(UNREACHABLE)}}, "data": {"hosts": {"server2": {**UNREACHABLE,
                                                                                         "tapbot_address": "198.18.0.12"}}}}
    run, out = ports(tmp_path, hosts=hosts)
    assert run.returncode != 0 and "server1 has no address for the handbook: set tapbot_address" in run.stdout
    assert not out.exists()  # no handbook without one of the servers


def test_every_exported_port_has_its_service_named():
    """A port a role exports (<role>_exports.ports) is in tapbot_ports_services, and nothing else is."""
    play = yaml.safe_load((PROJECT / "playbooks" / "ports.yml").read_text())[0]
    exported = set()
    for path in (PROJECT / "roles").glob("*/vars/main.yml"):
        for name, value in (yaml.safe_load(path.read_text()) or {}).items():
            if name.endswith("_exports") and "ports" in value:
                found = value["ports"]
                exported |= set(found) if isinstance(found, dict) else set(re.findall(r"'(\w+_port)'", found))
    assert exported and exported == set(play["vars"]["tapbot_ports_services"])
    roles = {p.name for p in (PROJECT / "roles").iterdir()}
    assert {e["role"] for e in play["vars"]["tapbot_ports_local"] if e.get("role")} <= roles
