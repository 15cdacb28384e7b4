"""Role qdrant. Offline (this machine reaches no Docker Hub) the role must stop
before any change naming the image, or, when told to skip, leave everything
configured but no container; the live checks (keys, read-only key, firewall,
restart) need the image and report SKIPPED with the reason where it cannot be
pulled. The GitHub workflow reaches Docker Hub and runs them."""

from __future__ import annotations

import json

import pytest
from lab_helpers import PROBE, QDRANT_IMAGE, address, assert_rejected, derived_secret, hosts, outsider, run_playbook, unchanged_hosts

CONVERGE = "molecule/qdrant/converge.yml"
IMAGE = QDRANT_IMAGE
API_KEY = derived_secret("qdrant/api")
READ_ONLY_KEY = derived_secret("qdrant/read-only")


@pytest.fixture(scope="module")
def image_available(data):
    return data.run(f"docker image inspect {IMAGE}").rc == 0


@pytest.fixture()
def live(image_available):
    if not image_available:
        pytest.skip(f"{IMAGE} cannot be pulled on this machine (no Docker Hub, no artifact to build it from: "
                    "DESIGN.md §5); the live checks run in the GitHub workflow")


def http(client, method: str, url: str, key: str | None = None, body: dict | None = None):
    """An HTTP request from a host with python3 only: (status, parsed JSON or text)."""
    code = f"""
import json, urllib.request, urllib.error
req = urllib.request.Request({url!r}, method={method!r}, data={json.dumps(body).encode() if body else None!r})
req.add_header("Content-Type", "application/json")
{"req.add_header('api-key', " + repr(key) + ")" if key else ""}
try:
    r = urllib.request.urlopen(req, timeout=20); print(r.status); print(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); print(e.read().decode())
"""
    out = client.check_output(f"python3 -c {json.dumps(code)}")
    status, _, text = out.partition("\n")
    try:
        return int(status), json.loads(text)
    except ValueError:
        return int(status), text


def test_configuration_in_place_with_keys_unreadable_to_others(data):
    config = data.file("/etc/qdrant/production.yaml")
    assert config.exists and config.mode == 0o640 and config.user == "root" and config.gid == 1000
    assert "telemetry_disabled: true" in config.content_string
    assert API_KEY in config.content_string and READ_ONLY_KEY in config.content_string
    volumes = data.check_output("docker volume ls --format '{{.Name}}'").split()
    assert {"qdrant-storage", "qdrant-snapshots"} <= set(volumes)


def test_offline_the_container_is_skipped_and_nothing_listens(data, image_available):
    if image_available:
        pytest.skip(f"{IMAGE} is available here: the offline path does not apply")
    assert data.run("docker container inspect qdrant").rc != 0
    assert data.run("ss -Hltn 'sport = :6333' | grep -q .").rc != 0


def test_offline_without_the_skip_the_run_stops_naming_the_image(image_available):
    if image_available:
        pytest.skip(f"{IMAGE} is available here: the offline path does not apply")
    # The converge runs ufw and docker first; what the qdrant role would
    # create goes to fresh names here, so "nothing" is visible: none appears.
    data = hosts("data")[0]
    fresh = {"qdrant_skip_unavailable_image": False, "qdrant_config_dir": "/etc/qdrant-offline-probe",
             "qdrant_storage_volume": "offline-probe-storage", "qdrant_snapshots_volume": "offline-probe-snapshots"}
    run = run_playbook(CONVERGE, fresh)
    assert run.rc != 0
    assert f"could not pull {IMAGE}, so nothing was changed" in run.output, run.output[-3000:]
    assert "qdrant_skip_unavailable_image: true" in run.output
    assert API_KEY not in run.output
    assert not data.file("/etc/qdrant-offline-probe").exists
    assert "offline-probe" not in data.check_output("docker volume ls --format '{{.Name}}'")
    assert run.recap()["server2"]["changed"] == 0, run.recap()


# One refused input proves, on real hosts, that nothing changes (a check that needs
# the host's facts); every other bad input of this role is a unit test
# (tests/unit/test_filter_qdrant.py, test_preflight.py).
@pytest.mark.parametrize("extra,expected", [
    ({"qdrant_memory_mb": 100000000}, ["qdrant_memory_mb is 100000000 MB but server2"]),
])
def test_bad_input_is_refused_before_any_change(extra, expected):
    with unchanged_hosts("data"):
        run = run_playbook(CONVERGE, extra)
    assert_rejected(run, *expected)
    assert API_KEY not in run.output


def test_container_is_healthy_unprivileged_and_limited(live, data):
    info = json.loads(data.check_output("docker inspect qdrant"))[0]
    assert info["State"]["Health"]["Status"] == "healthy"
    assert info["Config"]["User"] == "1000:1000" and info["HostConfig"]["CapDrop"] == ["ALL"]
    assert info["HostConfig"]["Memory"] == 512 * 1024 * 1024
    assert not any("docker.sock" in m["Source"] for m in info["Mounts"])


def test_keys_from_the_apps_host(live, data, apps):
    base = f"http://{address(data)}:6333"
    assert http(apps, "GET", f"{base}/collections")[0] == 401
    assert http(apps, "GET", f"{base}/collections", key="wrong-key-wrong-key-wrong-key")[0] == 401
    status, _ = http(apps, "PUT", f"{base}/collections/probe", key=API_KEY,
                     body={"vectors": {"size": 4, "distance": "Cosine"}})
    assert status == 200
    status, _ = http(apps, "PUT", f"{base}/collections/probe/points?wait=true", key=API_KEY,
                     body={"points": [{"id": 1, "vector": [0.1, 0.2, 0.3, 0.4], "payload": {"note": "kept"}}]})
    assert status == 200
    status, found = http(apps, "POST", f"{base}/collections/probe/points/query", key=READ_ONLY_KEY,
                         body={"query": [0.1, 0.2, 0.3, 0.4], "limit": 1, "with_payload": True})
    assert status == 200 and found["result"]["points"][0]["payload"]["note"] == "kept"
    status, _ = http(apps, "PUT", f"{base}/collections/other", key=READ_ONLY_KEY,
                     body={"vectors": {"size": 4, "distance": "Cosine"}})
    assert status == 403, "the read-only key created a collection"


def test_outsider_cannot_connect(live, data):
    with outsider(240) as client:
        run = client.python(PROBE + f"print(probe({address(data)!r}, 6333))\n", timeout=30)
    assert run.stdout.strip() == "filtered", run.stdout


def test_data_survives_a_restart(live, data, apps):
    data.check_output("docker restart qdrant")
    base = f"http://{address(data)}:6333"
    for _ in range(30):
        if data.check_output("docker inspect -f '{{.State.Health.Status}}' qdrant") == "healthy":
            break
        data.run("sleep 2")
    status, got = http(apps, "GET", f"{base}/collections/probe/points/1", key=READ_ONLY_KEY)
    assert status == 200 and got["result"]["payload"]["note"] == "kept"
