"""The port handbook (playbooks/ports.yml, `make ports`) against the converged
servers: everything that listens on them is in it, everything in it listens,
and an outside client reaches exactly the ports it calls public.

The comparison is tapbot.platform's ports_audit and ports_probes
(plugins/filter/ports.py, unit-tested with what the lab's servers showed):
pure functions of `ss -Htlnup`'s text and the handbook's ports.json.
"""

from __future__ import annotations

import json
import time

import pytest
import yaml
from lab_helpers import PROBE, address, hosts, outsider, run_playbook

# lab_helpers has put the project's collection on the path.
from ansible_collections.tapbot.platform.plugins.filter.ports import ports_audit, ports_probes

# The outside client's place on the scenario's network (no inventory host, no admitted source).
CLIENT = 200
# A port nothing of the platform uses, opened by hand for one test.
BY_HAND = 47123


@pytest.fixture(scope="module")
def handbook(tmp_path_factory) -> dict:
    """ports.json as `make ports` writes it for the scenario's inventory. The
    scenario's inventory has no tapbot_address: an overlay gives each host the
    address the others reach it at (as every real inventory does)."""
    out = tmp_path_factory.mktemp("ports")
    overlay = out / "addresses.yml"
    overlay.write_text(yaml.safe_dump(
        {"all": {"hosts": {h.backend.get_hostname(): {"tapbot_address": address(h)} for h in hosts()}}}))
    run = run_playbook("playbooks/ports.yml", {"tapbot_ports_dir": str(out), "tapbot_ports_picture": False},
                       "-i", str(overlay))
    assert run.rc == 0, run.output[-3000:]
    return {h["name"]: h for h in json.loads((out / "ports.json").read_text())["hosts"]}


def listening(host) -> str:
    """Every listening TCP and UDP socket with its process (root sees them all)."""
    with host.sudo():
        return host.check_output("ss -Htlnup")


def test_the_handbook_lists_exactly_what_listens(handbook, server):
    name = server.backend.get_hostname()
    assert ports_audit(handbook[name], listening(server)) == []


def test_an_outside_client_reaches_exactly_the_public_ports(handbook):
    with outsider(CLIENT) as client:
        probes = [p for h in handbook.values() for p in ports_probes(h, client.address)]
        seen = client.python(PROBE + "".join(f"print(probe({p['address']!r}, {p['port']}))\n" for p in probes),
                             timeout=30 + 5 * len(probes)).stdout.split()
    assert len(seen) == len(probes)
    assert {p["expect"] for p in probes} == {"open", "closed"}  # both kinds are checked
    wrong = [f"{p['what']} at {p['address']}:{p['port']}: expected {p['expect']}, found {state}"
             for p, state in zip(probes, seen) if (state == "open") != (p["expect"] == "open")]
    assert not wrong, wrong


def test_each_server_reaches_what_the_handbook_admits_it_to(handbook):
    """The servers as each other's clients: the apps server reaches the data ports, the others nothing more."""
    wrong, checked = [], 0
    for client in hosts():
        name = client.backend.get_hostname()
        for other in (h for h in handbook.values() if h["name"] != name):
            for p in ports_probes(other, handbook[name]["address"]):
                rc = client.run(f"timeout 3 bash -c '</dev/tcp/{p['address']}/{p['port']}'").rc
                checked += 1
                if (rc == 0) != (p["expect"] == "open"):
                    wrong.append(f"{name} -> {p['what']} at {p['address']}:{p['port']}: expected {p['expect']}, rc {rc}")
    assert checked and not wrong, wrong


def test_a_port_opened_by_hand_fails_the_check(handbook, server1):
    """A listener nobody declared (UFW keeps it from the outside, the handbook check finds it)."""
    unit = "tapbot-port-by-hand"
    code = (f"import socket, time; s = socket.socket(); s.bind(('0.0.0.0', {BY_HAND})); s.listen(); time.sleep(120)")
    with server1.sudo():
        server1.check_output(f"systemd-run --unit={unit} --collect python3 -c \"{code}\"")
    try:
        for _ in range(50):
            text = listening(server1)
            if f":{BY_HAND} " in text:
                break
            time.sleep(0.2)
        found = ports_audit(handbook["server1"], text)
        assert any(f"tcp 0.0.0.0:{BY_HAND} (python3) listens, but the handbook does not list it" in f for f in found), found
    finally:
        with server1.sudo():
            server1.run(f"systemctl stop {unit}")
