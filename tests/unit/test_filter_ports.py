"""filter.ports: the port handbook's data, its Markdown and picture, and the
comparison with what `ss` shows on a server (the site scenario's check, here
fed with what the lab's servers really showed)."""

from __future__ import annotations

import copy
import shutil
import subprocess

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.tapbot.platform.plugins.filter import ports
from ansible_collections.tapbot.platform.plugins.filter.ports import (parse_ss, ports_audit, ports_handbook, ports_host,
                                                                      ports_probes, ports_topology)

SERVICES = {
    "ssh_hardening_port": {"service": "SSH (sshd)", "addresses": "ssh_hardening_listen_addresses"},
    "traefik_https_port": {"service": "Traefik: HTTPS", "addresses": "traefik_bind_address", "via": "docker"},
    "postgresql_port": {"service": "PostgreSQL", "addresses": "postgresql_listen_addresses"},
    "redis_port": {"service": "Redis", "addresses": "redis_bind_addresses"},
    "qdrant_http_port": {"service": "Qdrant: HTTP API", "addresses": "qdrant_bind_address", "via": "docker",
                         "optional": "qdrant_skip_unavailable_image"},
}
LOCAL = [
    {"role": "docker", "service": "containerd: CRI streaming server", "proto": "tcp", "addresses": ["127.0.0.1"],
     "process": "containerd", "optional": False},
    {"service": "Docker's embedded DNS", "proto": ["tcp", "udp"], "addresses": ["127.0.0.11"], "process": "",
     "optional": True, "note": "lab only"},
]
VALUES = {"ssh_hardening_listen_addresses": [], "traefik_bind_address": "0.0.0.0",
          "postgresql_listen_addresses": ["localhost", "198.18.0.12"],
          "redis_bind_addresses": ["127.0.0.1", "-::1", "198.18.0.12"], "qdrant_bind_address": "198.18.0.12",
          "qdrant_skip_unavailable_image": True}
NAMES = {"server1": "198.18.0.11", "server2": "198.18.0.12"}


def rule(port, src="any", proto="tcp", kind="allow"):
    return {"port": str(port), "proto": proto, "src": src, "rule": kind, "tag": "x", "comment": f"tapbot:x {port}"}


def host(name, roles, exports, rules, **changes):
    return {"name": name, "address": NAMES[name], "groups": [], "roles": roles, "exports": exports,
            "values": {**VALUES, **changes.pop("values", {})}, "firewall": True, "rules": rules, "names": NAMES, **changes}


def server1(**changes):
    return ports_host(host("server1", ["ssh_hardening", "traefik", "ufw", "docker"],
                           {"ssh_hardening": {"ssh_hardening_port": 22}, "traefik": {"traefik_https_port": 443}},
                           changes.pop("rules", [rule(22), rule(443)]), **changes), SERVICES, LOCAL)


def server2(**changes):
    return ports_host(host("server2", ["ssh_hardening", "postgresql", "redis", "qdrant", "ufw", "docker"],
                           {"ssh_hardening": {"ssh_hardening_port": 22}, "postgresql": {"postgresql_port": 5432},
                            "redis": {"redis_port": 6379}, "qdrant": {"qdrant_http_port": 6333}},
                           changes.pop("rules", [rule(22, kind="limit")] + [rule(p, "198.18.0.11") for p in (5432, 6379, 6333)]),
                           **changes), SERVICES, LOCAL)


def entry(h, port, proto="tcp"):
    return next(e for e in h["listeners"] if e["port"] == port and e["proto"] == proto)


# What `ss -Htlnup` showed on the converged lab servers (ports the kernel picked vary).
SS_SERVER1 = """\
udp UNCONN 0      0      127.0.0.11:45097 0.0.0.0:*
tcp LISTEN 0      4096   127.0.0.11:39249 0.0.0.0:*
tcp LISTEN 0      4096      0.0.0.0:443   0.0.0.0:* users:(("docker-proxy",pid=6343,fd=4))
tcp LISTEN 0      128       0.0.0.0:22    0.0.0.0:* users:(("sshd",pid=684,fd=3))
tcp LISTEN 0      4096    127.0.0.1:37893 0.0.0.0:* users:(("containerd",pid=4984,fd=9))
tcp LISTEN 0      128          [::]:22       [::]:* users:(("sshd",pid=684,fd=4))
"""
SS_SERVER2 = """\
udp UNCONN 0      0       127.0.0.11:43195 0.0.0.0:*
tcp LISTEN 0      4096     127.0.0.1:35709 0.0.0.0:* users:(("containerd",pid=3622,fd=10))
tcp LISTEN 0      511      127.0.0.1:6379  0.0.0.0:* users:(("redis-server",pid=7492,fd=8))
tcp LISTEN 0      128        0.0.0.0:22    0.0.0.0:* users:(("sshd",pid=501,fd=6))
tcp LISTEN 0      200      127.0.0.1:5432  0.0.0.0:* users:(("postgres",pid=7194,fd=6))
tcp LISTEN 0      511    198.18.0.12:6379  0.0.0.0:* users:(("redis-server",pid=7492,fd=9))
tcp LISTEN 0      200    198.18.0.12:5432  0.0.0.0:* users:(("postgres",pid=7194,fd=7))
tcp LISTEN 0      4096    127.0.0.11:40687 0.0.0.0:*
tcp LISTEN 0      128           [::]:22       [::]:* users:(("sshd",pid=501,fd=7))
"""


@pytest.mark.parametrize(("configured", "expected"), [
    ([], [("0.0.0.0", True), ("::", True)]),  # sshd without ListenAddress: every address
    ("0.0.0.0", [("0.0.0.0", True)]),
    (["*"], [("0.0.0.0", True), ("::", True)]),
    (["localhost", "198.18.0.12"], [("127.0.0.1", True), ("::1", False), ("198.18.0.12", True)]),
    (["127.0.0.1", "-::1", "198.18.0.12"], [("127.0.0.1", True), ("::1", False), ("198.18.0.12", True)]),
    (["::1", "localhost"], [("::1", True), ("127.0.0.1", True)]),  # named without "-": Redis needs it
    (["0:0:0:0:0:0:0:1"], [("::1", True)]),
])
def test_bind_addresses_are_read_as_each_service_reads_them(configured, expected):
    assert [(b["address"], b["required"]) for b in ports._binds(configured)] == expected


def test_sources_and_reach_come_from_ufw_entries():
    s1, s2 = server1(), server2()
    assert [(e["port"], e["proto"], e["reach"]) for e in s1["listeners"]] == [
        (22, "tcp", "public"), (443, "tcp", "public"), (None, "tcp", "local"), (None, "tcp", "local"),
        (None, "udp", "local")]
    assert entry(s2, 22)["sources"] == ["any"]  # a limit rule admits too
    pg = entry(s2, 5432)
    assert pg["sources"] == ["198.18.0.11"] and pg["source_names"] == {"198.18.0.11": "server1"}
    assert pg["reach"] == "restricted" and pg["variable"] == "postgresql_port" and pg["role"] == "postgresql"
    assert pg["addresses_variable"] == "postgresql_listen_addresses"
    assert entry(s2, 6333)["optional"] and "qdrant_skip_unavailable_image" in entry(s2, 6333)["note"]
    assert not entry(s2, 6379)["optional"]
    assert s1["unused_rules"] == [] and s2["unused_rules"] == []


def test_port_ranges_protocols_and_denials_in_the_rules():
    rules = [rule("5000:5500"), rule(6379, proto="udp"), rule(6379, "198.18.0.0/24", kind="deny"), rule(8080)]
    h = ports_host(host("server2", ["redis"], {"redis": {"redis_port": 6379}}, rules), SERVICES)
    assert entry(h, 6379)["sources"] == [] and entry(h, 6379)["reach"] == "closed"
    assert [r["port"] for r in h["unused_rules"]] == ["5000:5500", "6379", "6379", "8080"]
    h = ports_host(host("server2", ["redis"], {"redis": {"redis_port": 5100}}, rules), SERVICES)
    assert entry(h, 5100)["sources"] == ["any"]


def test_without_the_firewall_every_port_beyond_loopback_is_public():
    h = server2(firewall=False, rules=[])
    assert {e["port"]: e["reach"] for e in h["listeners"] if e["port"]} == {
        22: "public", 5432: "public", 6333: "public", 6379: "public"}
    assert all(e["sources"] == [] for e in h["listeners"] if e["port"] is None)
    assert server2(firewall="false")["firewall"] is False  # text from -e is read as Ansible reads it


def test_a_loopback_service_is_local_whatever_ufw_admits():
    h = server2(values={"qdrant_bind_address": "127.0.0.1", "qdrant_skip_unavailable_image": "false"})
    q = entry(h, 6333)
    assert q["reach"] == "local" and q["sources"] == [] and not q["optional"]


def test_local_listeners_follow_their_role():
    h = ports_host(host("server1", ["ssh_hardening"], {"ssh_hardening": {"ssh_hardening_port": 22}}, [rule(22)]),
                   SERVICES, LOCAL)
    assert [e["service"] for e in h["listeners"] if e["port"] is None] == ["Docker's embedded DNS"] * 2


def test_an_exported_port_without_a_service_entry_stops_naming_it():
    with pytest.raises(AnsibleFilterError, match="qdrant_grpc_port .*qdrant role.* tapbot_ports_services"):
        ports_host(host("server2", ["qdrant"], {"qdrant": {"qdrant_grpc_port": 6334}}, []), SERVICES)
    with pytest.raises(AnsibleFilterError, match="redis_port 'x' is not a port"):
        ports_host(host("server2", ["redis"], {"redis": {"redis_port": "x"}}, []), SERVICES)


def test_a_port_of_the_kernels_choice_must_be_on_loopback():
    """Else it would hide any listener a hand opened on that address."""
    with pytest.raises(AnsibleFilterError, match="only account for on loopback"):
        ports_host(host("server1", [], {}, []), SERVICES, [{"service": "x", "addresses": ["0.0.0.0"]}])


def test_parse_ss_reads_every_form_ss_writes():
    found = parse_ss(SS_SERVER1 + "LISTEN 0 128 *:9100 *:*\nUNCONN 0 0 127.0.0.53%lo:53 0.0.0.0:*\n"
                     "tcp LISTEN 0 5 [::ffff:198.18.0.11]:8000 [::]:*\n")
    assert [(s["proto"], s["address"], s["port"], s["processes"]) for s in found] == [
        ("udp", "127.0.0.11", 45097, []), ("tcp", "127.0.0.11", 39249, []),
        ("tcp", "0.0.0.0", 443, ["docker-proxy"]), ("tcp", "0.0.0.0", 22, ["sshd"]),
        ("tcp", "127.0.0.1", 37893, ["containerd"]), ("tcp", "::", 22, ["sshd"]),
        ("tcp", "*", 9100, []), ("udp", "127.0.0.53", 53, []), ("tcp", "::ffff:c612:b", 8000, [])]
    with pytest.raises(ValueError, match="not a line of"):
        parse_ss("State Recv-Q Send-Q Local Address:Port Peer Address:Port\n")


def test_the_lab_servers_listen_on_exactly_what_the_handbook_lists():
    """Qdrant (optional: its image cannot be had) and ::1 (no IPv6 on the lab's loopback) may be absent."""
    assert ports_audit(server1(), SS_SERVER1) == []
    assert ports_audit(server2(), SS_SERVER2) == []


def test_a_port_opened_by_hand_is_found():
    extra = ('tcp LISTEN 0 5 0.0.0.0:4444 0.0.0.0:* users:(("nc",pid=9,fd=3))\n'
             'tcp LISTEN 0 5 127.0.0.1:41234 0.0.0.0:* users:(("python3",pid=10,fd=3))\n'
             'tcp LISTEN 0 5 198.18.0.11:22 0.0.0.0:* users:(("sshd",pid=11,fd=3))\n'
             'udp UNCONN 0 0 0.0.0.0:22 0.0.0.0:* users:(("socat",pid=12,fd=3))\n')
    assert ports_audit(server1(), SS_SERVER1 + extra) == [
        "server1: tcp 0.0.0.0:4444 (nc) listens, but the handbook does not list it",
        "server1: tcp 127.0.0.1:41234 (python3) listens, but the handbook does not list it",
        "server1: tcp 198.18.0.11:22 (sshd) listens, but the handbook does not list it",
        "server1: udp 0.0.0.0:22 (socat) listens, but the handbook does not list it",
    ]


def test_a_listed_port_that_does_not_listen_is_found():
    missing = "\n".join(line for line in SS_SERVER2.splitlines() if "198.18.0.12:6379" not in line and "[::]:22" not in line)
    assert ports_audit(server2(), missing) == [
        "server2: the handbook lists tcp 22 on :: (ssh_hardening_port), but nothing listens there",
        "server2: the handbook lists tcp 6379 on 198.18.0.12 (redis_port), but nothing listens there",
    ]
    no_containerd = "\n".join(line for line in SS_SERVER2.splitlines() if "containerd" not in line)
    assert ports_audit(server2(), no_containerd) == [
        "server2: the handbook lists tcp any (kernel's choice) on 127.0.0.1 (containerd: CRI streaming server), "
        "but nothing listens there"]
    running = server2(values={"qdrant_skip_unavailable_image": False})
    assert ports_audit(running, SS_SERVER2) == [
        "server2: the handbook lists tcp 6333 on 198.18.0.12 (qdrant_http_port), but nothing listens there"]


def test_a_wildcard_socket_is_not_a_specific_address():
    wide = SS_SERVER2.replace("198.18.0.12:5432", "0.0.0.0:5432")
    assert ports_audit(server2(), wide) == [
        "server2: tcp 0.0.0.0:5432 (postgres) listens, but the handbook does not list it",
        "server2: the handbook lists tcp 5432 on 198.18.0.12 (postgresql_port), but nothing listens there"]
    # ss writes "*" for one socket on every address of both families: it stands for either wildcard.
    dual = "\n".join(line for line in SS_SERVER1.splitlines() if "0.0.0.0:22 " not in line).replace("[::]:22", "*:22")
    assert ports_audit(server1(), dual) == []


def test_what_an_outside_client_must_find():
    assert [(p["address"], p["port"], p["expect"]) for p in ports_probes(server1(), "198.18.0.200")] == [
        ("198.18.0.11", 22, "open"), ("198.18.0.11", 443, "open")]
    assert [(p["port"], p["expect"]) for p in ports_probes(server2(), "198.18.0.200")] == [
        (22, "open"), (5432, "closed"), (6333, "closed"), (6379, "closed")]
    # The admitted apps server must find them open, but Qdrant may be absent.
    assert [(p["port"], p["expect"]) for p in ports_probes(server2(), "198.18.0.11")] == [
        (22, "open"), (5432, "open"), (6379, "open")]
    admitted_net = server2(rules=[rule(22), rule(5432, "198.18.0.192/26")])
    assert [(p["port"], p["expect"]) for p in ports_probes(admitted_net, "198.18.0.200")][:2] == [(22, "open"), (5432, "open")]


def doc():
    return {"environment": "lab", "hosts": [server1(), server2()]}


def test_the_handbook_lists_every_listener_with_its_variables_and_sources():
    text = ports_handbook(doc())
    assert text.startswith("# Port handbook: lab\n")
    assert ("| 5432 | tcp | PostgreSQL | `postgresql_port`, `postgresql_listen_addresses` | "
            "127.0.0.1, ::1 (if present), 198.18.0.12 | server1 (198.18.0.11) | restricted |") in text
    assert "| 443 | tcp | Traefik: HTTPS (published by Docker) | `traefik_https_port`, `traefik_bind_address` | 0.0.0.0 | anyone | public |" in text
    assert ("| any (kernel's choice) | tcp | containerd: CRI streaming server | the docker role | 127.0.0.1 | "
            "this server only | local |") in text
    # Per server, one note per distinct text, referred to from every row that has it.
    server1_part, server2_part = text.split("## server2")
    assert server1_part.count("- [1] lab only") == 1 and server1_part.count("Docker's embedded DNS [1]") == 2
    assert "- [1] May be absent while `qdrant_skip_unavailable_image` is true." in server2_part
    assert "Qdrant: HTTP API (published by Docker) [1]" in server2_part and "- [2] lab only" in server2_part


def test_the_handbook_names_rules_nothing_listens_behind_and_escapes_cells():
    h = server1(rules=[rule(22), rule(443), rule(8443, "198.18.0.0/24")])
    h["listeners"][0]["service"] = "SSH | admin"
    text = ports_handbook({"hosts": [h]})
    assert "SSH \\| admin" in text
    assert "- 8443/tcp from 198.18.0.0/24 (tapbot:x 8443)" in text


def test_the_picture_draws_who_may_reach_what():
    text = ports_topology(doc())
    assert '"src:any" -> "server1:tcp/443";' in text
    assert '"host:server1" -> "server2:tcp/5432";' in text  # the apps server as the data ports' client
    assert '"server2:tcp/6333"' in text and "dashed" in text
    assert '"local:server2"' in text and "containerd" in text
    quoted = copy.deepcopy(doc())
    quoted["hosts"][0]["listeners"][0]["service"] = 'say "hi" \\ back'
    assert 'say \\"hi\\" \\\\ back' in ports_topology(quoted)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (Debian's graphviz)")
def test_the_picture_is_valid_graphviz():
    quoted = copy.deepcopy(doc())
    quoted["hosts"][0]["listeners"][0]["service"] = 'say "hi" \\ back <&>'
    for d in (doc(), quoted):
        run = subprocess.run(["dot", "-Tsvg"], input=ports_topology(d), capture_output=True, text=True, check=False)
        assert run.returncode == 0 and "<svg" in run.stdout and not run.stderr, run.stderr
