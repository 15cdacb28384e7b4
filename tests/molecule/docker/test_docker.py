"""Role `docker`: the engine runs with the rendered settings, containers get
addresses from the configured ranges, survive a daemon restart (live-restore),
and bad settings never reach the daemon."""

from __future__ import annotations

import functools
import ipaddress
import json

import pytest
from lab_helpers import assert_rejected, busybox_image, hosts, run_playbook, unchanged_hosts

CONVERGE = "molecule/docker/converge.yml"
IMAGE = "tapbot/busybox:test"


@pytest.fixture(scope="module")
def image(host):
    return busybox_image(host, IMAGE)


def _info(host) -> dict:
    return json.loads(host.check_output("docker info --format '{{json .}}'"))


def test_engine_runs_with_the_rendered_settings(host):
    assert host.service("docker").is_running
    assert host.service("docker").is_enabled
    info = _info(host)
    assert info["LoggingDriver"] == "json-file"
    assert info["LiveRestoreEnabled"] is True
    daemon = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert daemon["log-opts"] == {"max-size": "10m", "max-file": "3"}
    assert "198.19.200.1/24" in host.check_output("ip -4 -o addr show dev docker0")
    # The Python SDK community.docker can use.
    assert host.run("python3 -c 'import docker'").rc == 0


def test_containers_get_addresses_from_the_configured_ranges(host, image):
    host.check_output("docker network create tapbot-test >/dev/null")
    try:
        subnet = host.check_output(
            "docker network inspect tapbot-test --format '{{(index .IPAM.Config 0).Subnet}}'"
        )
        assert ipaddress.ip_network(subnet).subnet_of(ipaddress.ip_network("198.19.208.0/20"))
        out = host.check_output(f"docker run --rm {image} /bin/busybox ip -4 -o addr show dev eth0")
        assert "198.19.200." in out
    finally:
        host.run("docker network rm tapbot-test")


def test_container_logs_rotate(host, image):
    cid = host.check_output(f"docker run -d {image} /bin/busybox sleep 60")
    try:
        config = json.loads(host.check_output(f"docker inspect --format '{{{{json .HostConfig.LogConfig}}}}' {cid}"))
        assert config == {"Type": "json-file", "Config": {"max-file": "3", "max-size": "10m"}}
    finally:
        host.run(f"docker rm -f {cid}")


def test_containers_survive_a_daemon_restart(host, image):
    cid = host.check_output(f"docker run -d --name survivor {image} /bin/busybox sleep 600")
    try:
        started = host.check_output(f"docker inspect --format '{{{{.State.StartedAt}}}}' {cid}")
        host.check_output("systemctl restart docker")
        assert host.service("docker").is_running
        assert host.check_output(f"docker inspect --format '{{{{.State.Running}}}}' {cid}") == "true"
        assert host.check_output(f"docker inspect --format '{{{{.State.StartedAt}}}}' {cid}") == started
    finally:
        host.run(f"docker rm -f {cid}")


# One refused input proves, on real hosts, that nothing changes; every other bad
# input of this role is a unit test (tests/unit/test_filter_docker.py, test_preflight.py).
@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"docker_default_address_pools": [{"base": "198.19.200.0/21", "size": 24}]}, "docker_bip (198.19.200.0/24) overlaps docker_default_address_pools[0]"),
    ],
    ids=["pool-overlaps-bridge"],
)
def test_bad_input_is_rejected_before_anything_changes(bad, named):
    with unchanged_hosts():
        run = run_playbook(CONVERGE, bad)
    assert_rejected(run, named)


def test_option_dockerd_rejects_never_reaches_the_daemon(host):
    """An option the controller cannot judge: dockerd --validate (Docker 23+) refuses it."""
    if "--validate" not in host.run("dockerd --help").stdout:
        version = host.check_output("dockerd --version")
        pytest.skip(f"{version} has no dockerd --validate (Debian 12's docker.io); only the JSON is checked there")
    before = host.file("/etc/docker/daemon.json").sha256sum
    pid = host.check_output("systemctl show -p MainPID --value docker")
    run = run_playbook(CONVERGE, {"docker_daemon_options": {"no-such-option": True}},
                       "--limit", host.backend.get_hostname())
    assert run.rc != 0
    assert "no-such-option" in run.output, run.output[-3000:]
    assert host.file("/etc/docker/daemon.json").sha256sum == before
    assert host.check_output("systemctl show -p MainPID --value docker") == pid


@functools.cache
def _docker_repository_reachable() -> bool:
    import urllib.request

    try:
        urllib.request.urlopen("https://download.docker.com/linux/debian/gpg", timeout=5)
        return True
    except OSError:
        return False


def test_docker_repository_out_of_reach_stops_with_nothing_changed():
    """Production installs from Docker's repository; this machine cannot reach it."""
    if _docker_repository_reachable():
        pytest.skip("download.docker.com is reachable here: this test covers the offline path only")
    with unchanged_hosts():
        run = run_playbook(CONVERGE, {"docker_source": "docker"})
    assert run.rc != 0
    assert "does not reach Docker's apt repository; nothing was changed" in run.output, run.output[-3000:]
    assert "set docker_source: debian" in run.output


def test_engine_from_docker_repository():
    """Where Docker's repository is reachable (the GitHub workflow), switch both
    servers to it: the pinned major arrives and the daemon keeps its settings.
    Runs last: it replaces docker.io on the scenario's servers."""
    if not _docker_repository_reachable():
        pytest.skip(
            "Docker's apt repository (download.docker.com) is out of this machine's reach; the lab uses "
            "Debian's docker.io, and the previous test proves the offline stop"
        )
    run = run_playbook(CONVERGE, {"docker_source": "docker"})
    assert run.rc == 0, run.output[-3000:]
    for h in hosts():
        assert h.check_output("docker version --format '{{.Server.Version}}'").startswith("29.")
        assert _info(h)["LiveRestoreEnabled"] is True
        assert "198.19.200.1/24" in h.check_output("ip -4 -o addr show dev docker0")
