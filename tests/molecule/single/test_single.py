"""One server in both groups: site.yml gives it the apps and the data roles together."""

from __future__ import annotations

import shlex

from lab_helpers import PG_HELLO, address, derived_secret, outsider


def test_both_roles_run_on_the_one_server(host):
    assert host.service("postgresql").is_running or host.run("systemctl is-active 'postgresql@*'").rc == 0
    assert host.service("redis-server").is_running
    assert host.check_output("docker inspect -f '{{.State.Health.Status}}' traefik") == "healthy"
    jails = host.check_output("fail2ban-client status")
    assert "sshd" in jails and "traefik-auth" in jails


def test_its_own_address_is_the_apps_client_of_its_data_services(host):
    """pg_hba.conf and UFW admit the apps group, which is this server itself."""
    target = address(host)
    code = PG_HELLO + f"print(pg_hello({target!r}, 5432, 'n8n', 'n8n'))\n"
    hello = host.check_output(f"python3 -c {shlex.quote(code)}")
    assert hello == "auth 10", hello  # the server asks n8n for its SCRAM password
    redis = f"redis-cli --no-auth-warning -h {target} --user n8n --pass {derived_secret('redis/n8n')}"
    assert host.check_output(f"{redis} SET n8n:single ok") == "OK"


def test_outsiders_reach_the_edge_only(host):
    target = address(host)
    with outsider(200) as client:
        assert client.probe(target, 443) == "open" and client.probe(target, 80) == "open"
        for port in (5432, 6379, 6333):
            assert client.probe(target, port) == "filtered", port
