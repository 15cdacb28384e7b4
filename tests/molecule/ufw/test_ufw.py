"""Role `ufw`, probed from outside: a client container on the scenario's network
(in no inventory group) is the outsider; server1 (group apps) is the admitted
source for server2's data ports, server2 (data) for server1's published port."""

from __future__ import annotations

import time

import pytest
from lab_helpers import address as _address
from lab_helpers import assert_rejected, hosts, outsider, report, run_playbook, unchanged_hosts

CONVERGE = "molecule/ufw/converge.yml"


def _from_host(source, address: str, port: int) -> str:
    rc = source.run(f"timeout 3 bash -c '</dev/tcp/{address}/{port}'").rc
    return {0: "open", 1: "refused", 124: "filtered"}.get(rc, f"rc={rc}")


@pytest.fixture(scope="module")
def outside():
    with outsider(200) as client:
        yield client


def test_firewall_is_on_with_default_deny(host):
    status = host.check_output("ufw status verbose")
    assert "Status: active" in status
    assert "deny (incoming), allow (outgoing), deny (routed)" in status
    assert "Logging: on (low)" in status


def test_outsider_sees_only_declared_ports_on_server1(outside, server1):
    address = _address(server1)
    assert outside.probe(address, 22) in {"open", "refused"}  # admitted (sshd may not run here)
    assert outside.probe(address, 80) == "open"
    assert outside.probe(address, 9000) == "filtered"


def test_data_ports_admit_apps_only(outside, server1, server2):
    address = _address(server2)
    assert outside.probe(address, 6379) == "filtered"
    assert _from_host(server1, address, 6379) == "open"
    assert outside.probe(address, 9000) == "filtered"


@pytest.mark.parametrize(("name", "admitted_name"), [("server1", "server2"), ("server2", "server1")])
def test_published_docker_ports_obey_the_rules(outside, name, admitted_name):
    """Debian 12 (server1) and 13 (server2) each publish 8081 (declared, from the
    other server's group) and 8082 (undeclared)."""
    server, admitted = hosts(name)[0], hosts(admitted_name)[0]
    address = _address(server)
    assert server.run("docker ps --format '{{.Names}}' | grep -c web-").stdout.strip() == "2"
    assert outside.probe(address, 8081) == "filtered"
    assert _from_host(admitted, address, 8081) == "open"
    assert outside.probe(address, 8082) == "filtered"
    assert _from_host(admitted, address, 8082) == "filtered"


def test_route_rule_bans_an_admitted_source_from_published_ports(server1, server2):
    """fail2ban bans published services with `ufw route` rules; DOCKER-USER obeys them."""
    source = _address(server1)
    address = _address(server2)
    ban = f"ufw route prepend reject from {source} to any comment 'ban test'"
    server2.check_output(ban)
    try:
        assert _from_host(server1, address, 8081) in {"refused", "filtered"}
    finally:
        server2.check_output(f"ufw route delete reject from {source} to any")
    assert _from_host(server1, address, 8081) == "open"
    # The route rule survives a firewall reload while it exists.
    server2.check_output(ban)
    try:
        server2.check_output("ufw reload")
        assert _from_host(server1, address, 8081) in {"refused", "filtered"}
    finally:
        server2.check_output(f"ufw route delete reject from {source} to any")


def test_undeclared_managed_rule_was_removed(host):
    added = host.check_output("ufw show added")
    assert "7777" not in added
    assert "tapbot:" in added


def test_rerun_calls_ufw_for_nothing_and_rewrites_no_file(capsys):
    """A no-op run neither re-declares rules nor re-enables UFW (which would
    reload the whole firewall): no file under /etc is touched."""
    started = time.monotonic()
    with unchanged_hosts():
        run = run_playbook(CONVERGE)
    assert run.rc == 0, run.output[-3000:]
    assert all(c.get("changed", 0) == 0 for c in run.recap().values()), run.recap()
    report(capsys, f"ufw no-op re-run on two hosts: {time.monotonic() - started:.1f} s")


def test_port_range_and_cidr_source(server1):
    added = server1.check_output("ufw show added")
    assert "from 198.18.99.0/24 to any port 8443:8444 proto tcp" in added


# One refused input proves, on real hosts, that nothing changes; every other bad
# input of this role is a unit test (tests/unit/test_filter_ufw.py, test_preflight.py).
@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"ufw_rules_all": [{"port": 443, "sources": ["nosuchgroup"]}]}, "source 'nosuchgroup' is neither a CIDR, 'any', nor an inventory group"),
    ],
    ids=["unknown-group"],
)
def test_bad_rule_is_rejected_and_the_firewall_stays(bad, named, server1, server2):
    before = {h.backend.get_hostname(): h.check_output("ufw status numbered") for h in hosts()}
    with unchanged_hosts():
        run = run_playbook(CONVERGE, bad)
    assert_rejected(run, named)
    for h in hosts():
        assert h.check_output("ufw status numbered") == before[h.backend.get_hostname()]
    assert _from_host(server1, _address(server2), 6379) == "open"
