"""Role `traefik`, seen from outside: a client container on the scenario's network
asks each server for its routes by name, the way a browser would. Certificates
come from Pebble (real ACME, challenges validated against the servers), the
image from the lab's registry mirror under upstream's name."""

from __future__ import annotations

import json
import re
import time

import pytest
from lab_helpers import (
    acme_client,
    acme_orders,
    address,
    assert_rejected,
    busybox_image,
    derived_secret,
    hosts,
    report,
    run_playbook,
    unchanged_hosts,
)

CONVERGE = "molecule/traefik/converge.yml"
ADMITTED = 241  # the dashboard's allow list (molecule.yml): 198.18.64.241/32
STRANGER = 200
BODY = "--tapbot-body--"


@pytest.fixture(scope="module")
def client():
    """Inside the dashboard's allow list."""
    with acme_client(ADMITTED) as c:
        yield c


@pytest.fixture(scope="module")
def stranger():
    """Outside it."""
    with acme_client(STRANGER) as c:
        yield c


@pytest.fixture(scope="module")
def backend(host):
    """A trivial backend on Traefik's network, answering with its server's name."""
    image = busybox_image(host, "tapbot/busybox:test")
    name = host.backend.get_hostname()
    host.run("docker rm -f whoami")
    host.check_output(
        f"docker run -d --name whoami --network traefik --restart unless-stopped {image} /bin/busybox sh -c "
        f"'/bin/busybox mkdir -p /www && echo hello from {name} > /www/index.html && "
        "exec /bin/busybox httpd -f -p 8000 -h /www'"
    )
    yield name
    host.run("docker rm -f whoami")


def request(client, url: str, server: str, *args: str) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of a request to url, with its host name resolved to server."""
    m = re.match(r"^(https?)://([^/:]+)", url)
    port = 443 if m.group(1) == "https" else 80
    script = (
        f"curl -sS --max-time 10 --cacert /root/root.pem --resolve {m.group(2)}:{port}:{server} "
        f"-D /tmp/h -o /tmp/b -w '%{{http_code}}' {' '.join(args)} '{url}'; echo; cat /tmp/h; echo {BODY}; cat /tmp/b"
    )
    run = client.run(script)
    assert run.returncode == 0, f"curl {url} failed: {run.stderr}"
    status, rest = run.stdout.split("\n", 1)
    head, _, body = rest.partition(f"{BODY}\n")
    headers = {}
    for line in head.strip().splitlines()[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return int(status), headers, body


def route(host) -> str:
    return f"whoami.{host.backend.get_hostname()}.tapbot.test"


def test_route_answers_with_a_certificate_from_pebble(host, backend, client):
    name, server = route(host), address(host)
    # curl verifies the chain against Pebble's root and the name: a self-signed
    # or default certificate would fail here.
    status, _, body = request(client, f"https://{name}/", server)
    assert status == 200
    assert body.strip() == f"hello from {backend}"
    cert = client.run(
        f"openssl s_client -connect {server}:443 -servername {name} -verify_return_error -CAfile /root/root.pem "
        "</dev/null 2>/dev/null | openssl x509 -noout -issuer -ext subjectAltName"
    )
    assert "Pebble Intermediate CA" in cert.stdout, cert.stdout
    assert f"DNS:{name}" in cert.stdout, cert.stdout


def test_http_redirects_to_https(host, backend, client):
    status, headers, _ = request(client, f"http://{route(host)}/some/path?q=1", address(host))
    assert status in (301, 308)
    assert headers["location"] == f"https://{route(host)}/some/path?q=1"


def test_security_headers_are_set(host, backend, client):
    _, headers, _ = request(client, f"https://{route(host)}/", address(host))
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert "x-powered-by" not in headers


def _burst(client, url: str, server: str, count: int = 600) -> dict[int, int]:
    """Send `count` requests over 16 parallel connections and wait for every answer:
    {status: how many}. The client never gives up on a request (wrk's timed runs
    close their connections mid-request at the end, and Traefik logs a request held
    in the rate limiter's short delay whose client left as 500 "context canceled")."""
    host = re.match(r"^https://([^/:]+)", url).group(1)
    run = client.run(
        f"curl -s --parallel --parallel-max 16 --max-time 30 --cacert /root/root.pem --resolve {host}:443:{server} "
        f"-w '%{{http_code}}\\n' $(for i in $(seq {count}); do printf -- '-o /dev/null {url} '; done)")
    codes: dict[int, int] = {}
    for line in run.stdout.split():
        codes[int(line)] = codes.get(int(line), 0) + 1
    assert sum(codes.values()) == count, (codes, run.stderr[-500:])
    return codes


def test_rate_limit_is_on_by_default(host, backend, client, capsys):
    """whoami has the default middlewares (100/s, burst 200 per client); bench names only the headers.
    A burst beyond the limit is refused with 429 and never fails (no 5xx, in the answers or in
    Traefik's access log); the unlimited route answers every request of the same burst."""
    server, name = address(host), route(host)
    bench = f"bench.{host.backend.get_hostname()}.tapbot.test"
    host.check_output("truncate -s 0 /var/log/traefik/access.log")
    limited = _burst(client, f"https://{name}/", server)
    report(capsys, f"traefik: 600 requests over 16 connections to {name}: {limited}")
    assert limited.get(429, 0) > 0 and limited.get(200, 0) > 0, limited
    assert set(limited) <= {200, 429}, limited
    assert host.run("grep -q '\"DownstreamStatus\":429' /var/log/traefik/access.log").rc == 0
    assert host.run("grep -q '\"DownstreamStatus\":5' /var/log/traefik/access.log").rc != 0
    assert request(client, f"https://{name}/", server, "--retry 5 --retry-all-errors --retry-delay 1")[0] == 200
    assert _burst(client, f"https://{bench}/", server) == {200: 600}


def test_an_undeclared_host_gets_404(host, backend, client):
    status, _, _ = request(client, "https://nobody.tapbot.test/", address(host), "--insecure")
    assert status == 404


def test_old_tls_is_refused(host, backend, client):
    server, name = address(host), route(host)
    old = client.run(
        f"openssl s_client -connect {server}:443 -servername {name} -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null"
    )
    assert old.returncode != 0, old.stdout
    modern = client.run(f"openssl s_client -connect {server}:443 -servername {name} -tls1_2 </dev/null")
    assert modern.returncode == 0, modern.stderr
    assert "ECDHE" in modern.stdout


def test_only_http_and_https_are_published(host, backend, client):
    server = address(host)
    assert client.probe(server, 443) == "open"
    assert client.probe(server, 80) == "open"
    # Traefik's own ports inside the container (web, websecure, ping) are not on the host.
    for port in (8080, 8443, 8082):
        assert client.probe(server, port) != "open", port
    inspect = json.loads(host.check_output("docker inspect traefik"))[0]
    mounts = [m["Source"] for m in inspect["Mounts"]]
    assert not any("docker.sock" in m for m in mounts), mounts
    assert inspect["Config"]["User"] == "65532:65532"
    assert inspect["HostConfig"]["ReadonlyRootfs"] is True
    assert inspect["HostConfig"]["CapDrop"] == ["ALL"]


def test_dashboard_only_where_enabled_and_only_with_credentials_from_an_admitted_source(
    host, backend, client, stranger
):
    name = host.backend.get_hostname()
    dashboard = f"https://traefik.{name}.tapbot.test/api/overview"
    if name != "server2":
        # Off: its host name is just another undeclared host.
        status, _, _ = request(client, dashboard, address(host), "--insecure")
        assert status == 404
        return
    password = derived_secret("traefik/dashboard")
    assert request(client, dashboard, address(host))[0] == 401
    assert request(client, dashboard, address(host), "-u admin:wrong-password-123456")[0] == 401
    status, _, body = request(client, dashboard, address(host), f"-u admin:{password}")
    assert status == 200
    assert "http" in json.loads(body)
    # Right credentials from a source outside the allow list: refused.
    assert request(stranger, dashboard, address(host), f"-u admin:{password}")[0] == 403


def test_access_log_is_json_with_the_client_address(host, backend, client):
    request(client, f"https://{route(host)}/index.html?logged", address(host))
    last = host.check_output("tail -n 1 /var/log/traefik/access.log")
    entry = json.loads(last)
    # The client's own address (Docker's DNAT keeps it): what fail2ban bans.
    assert entry["ClientHost"] == client.address
    assert entry["RequestPath"] == "/index.html?logged"
    assert entry["DownstreamStatus"] == 200


def test_access_log_rotation_reopens_the_log(host, backend, client):
    host.check_output("logrotate --force /etc/logrotate.d/traefik")
    request(client, f"https://{route(host)}/after-rotation", address(host))
    deadline = time.time() + 10
    while time.time() < deadline and "/after-rotation" not in host.file("/var/log/traefik/access.log").content_string:
        time.sleep(0.5)
    assert "/after-rotation" in host.file("/var/log/traefik/access.log").content_string
    assert host.file("/var/log/traefik/access.log.1").exists


def _healthy(host, timeout: int = 90) -> None:
    deadline = time.time() + timeout
    status = ""
    while time.time() < deadline:
        status = host.check_output("docker inspect --format '{{.State.Health.Status}}' traefik")
        if status == "healthy":
            return
        time.sleep(1)
    pytest.fail(f"Traefik is {status!r}, not healthy, {timeout} s after the restart")


def test_restarts_bring_every_route_back_with_the_same_certificates(host, backend, client):
    name, server = route(host), address(host)
    serial = f"openssl s_client -connect {server}:443 -servername {name} </dev/null 2>/dev/null | openssl x509 -noout -serial"
    before = client.run(serial).stdout.strip()
    orders = acme_orders()
    assert before.startswith("serial=")

    host.check_output("docker restart traefik")
    _healthy(host)
    assert request(client, f"https://{name}/", server)[0] == 200

    host.check_output("systemctl restart docker")
    _healthy(host)
    assert request(client, f"https://{name}/", server)[0] == 200
    assert request(client, f"https://bench.{host.backend.get_hostname()}.tapbot.test/", server)[0] == 200

    assert client.run(serial).stdout.strip() == before, "the certificate changed: it was ordered again"
    assert acme_orders() == orders, "Pebble saw new orders: certificates were not reused"


# One refused input proves, on real hosts, that nothing changes; every other bad
# input of this role is a unit test (tests/unit/test_filter_traefik.py, test_preflight.py).
@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"traefik_routes": [{"name": "web", "host": "bad_host.tapbot.test", "backend": "http://web:80"}]},
         "host 'bad_host.tapbot.test' is not a valid fully qualified host name"),
    ],
    ids=["invalid-host"],
)
def test_bad_input_is_refused_before_anything_changes(bad, named):
    before = {h.backend.get_hostname(): h.check_output("cat /etc/traefik/dynamic/routes.yml") for h in hosts()}
    with unchanged_hosts():
        run = run_playbook(CONVERGE, bad)
    assert_rejected(run, named)
    after = {h.backend.get_hostname(): h.check_output("cat /etc/traefik/dynamic/routes.yml") for h in hosts()}
    assert after == before
