"""Helpers shared by the Molecule scenarios' testinfra modules (imported by name: conftest.py puts this folder on sys.path).

The verifier runs these from the controller: commands reach each host through
the scenario's Molecule inventory (the same path Ansible uses), and playbooks
are run exactly as an operator would run them.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import testinfra
import yaml

PROJECT = Path(__file__).resolve().parents[2]
# The project's own Python (the in-tree collection tapbot.platform).
sys.path.insert(0, str(PROJECT / "collections"))
from ansible_collections.tapbot.platform.plugins.filter.platform import tapbot_secret  # noqa: E402

ANSIBLE_PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))

# The scenarios' network (.config/molecule/config.yml) and the image outside
# clients run from (lab/images: it carries an SSH client and python3).
NETWORK = "tapbot-molecule"
CLIENT_IMAGE = "tapbot/debian:12"
# The lab's tools image (lab/images/tools): curl, openssl, wrk, dig.
TOOLS_IMAGE = "tapbot/lab-tools"
# Pebble on the scenario's network (lab/services.yml) and its files.
ACME_CONTAINER = f"{NETWORK}-acme"

# Trees watched for changes by `unchanged_hosts`; Ansible's own temp files excluded.
WATCHED = "/etc /home /root /usr /var/lib/dpkg /var/lib/apt/extended_states /swapfile"
MARKER = "/run/tapbot-unchanged-marker"


def inventory() -> str:
    try:
        return os.environ["MOLECULE_INVENTORY_FILE"]
    except KeyError:  # pragma: no cover - only when run outside Molecule
        pytest.fail("run these tests through `molecule verify` (MOLECULE_INVENTORY_FILE is not set)")


def hosts(pattern: str = "all") -> list:
    return testinfra.get_hosts([pattern], connection="ansible", ansible_inventory=inventory())


def address(host) -> str:
    """The host's address on the scenario's network (eth0), not a Docker bridge's."""
    return host.check_output("ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1 | head -n 1")


def in_container(host) -> bool:
    return host.run("systemd-detect-virt --container --quiet").rc == 0


@dataclass
class PlaybookRun:
    rc: int
    output: str

    def recap(self) -> dict[str, dict[str, int]]:
        """PLAY RECAP counters per host."""
        result = {}
        for line in self.output.splitlines():
            m = re.match(r"^(\S+)\s+:\s+(ok=.*)$", line.strip())
            if m:
                result[m.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
        return result


def run_playbook(playbook: str, extra_vars: dict | None = None, *args: str) -> PlaybookRun:
    """Run a project playbook against the scenario's hosts, as an operator would."""
    cmd = [ANSIBLE_PLAYBOOK, "-i", inventory(), str(PROJECT / playbook), *args]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(extra_vars or {}, f)
    cmd += ["-e", f"@{f.name}"]
    env = dict(
        os.environ, ANSIBLE_ROLES_PATH=str(PROJECT / "roles"), ANSIBLE_COLLECTIONS_PATH=str(PROJECT / "collections"),
        ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    try:
        proc = subprocess.run(cmd, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900, check=False)
    finally:
        os.unlink(f.name)
    return PlaybookRun(proc.returncode, proc.stdout + proc.stderr)


class unchanged_hosts:
    """Context manager: fail if anything under WATCHED changed on any host meanwhile."""

    def __init__(self, pattern: str = "all"):
        self.hosts = hosts(pattern)

    def __enter__(self):
        for h in self.hosts:
            h.check_output(f"touch {MARKER} && sleep 0.01")
        return self

    def changes(self) -> dict[str, list[str]]:
        found = {}
        for h in self.hosts:
            out = h.check_output(
                f"find {WATCHED} -xdev \\( -path /root/.ansible -prune \\) -o "
                f"\\( -newer {MARKER} -o -cnewer {MARKER} \\) -print 2>/dev/null || true"
            )
            found[h.backend.get_hostname()] = [line for line in out.splitlines() if line]
        return found

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            changed = {name: files[:20] for name, files in self.changes().items() if files}
            assert not changed, f"the run changed files on the hosts (first 20 each): {changed}"
        return False


def assert_rejected(run: PlaybookRun, *expected: str) -> None:
    """The run failed in input validation, naming what to fix, and changed nothing."""
    assert run.rc != 0, f"the playbook accepted bad input:\n{run.output[-3000:]}"
    assert "fix these inputs" in run.output, f"the failure did not come from validation:\n{run.output[-3000:]}"
    for text in expected:
        assert text in run.output, f"the error does not name {text!r}:\n{run.output[-3000:]}"
    recap = run.recap()
    assert recap, f"no PLAY RECAP in the output:\n{run.output[-3000:]}"
    for name, counters in recap.items():
        assert counters.get("changed", 0) == 0, f"{name} reported changes: {counters}"


@dataclass
class Outsider:
    """A container on the scenario's network that is none of the inventory's hosts."""

    name: str
    address: str

    def run(self, script: str, timeout: int = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["docker", "exec", self.name, "bash", "-c", script],
            capture_output=True, text=True, timeout=timeout, check=False,
        )

    def python(self, code: str, timeout: int = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["docker", "exec", "-i", self.name, "python3", "-"],
            input=code, capture_output=True, text=True, timeout=timeout, check=False,
        )

    def probe(self, address: str, port: int) -> str:
        """What this client sees on a TCP port: open, refused or filtered (no answer in 3 s)."""
        run = self.python(PROBE_ONCE.format(address=address, port=port), timeout=30)
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()


# The in-container clients (clients/wire.py): its text, to which a test appends
# the calls it prints. PROBE and PG_HELLO name it where a test uses that client.
WIRE = (Path(__file__).resolve().parent / "clients" / "wire.py").read_text()
PROBE = PG_HELLO = WIRE
PROBE_ONCE = WIRE + "print(probe({address!r}, {port}))\n"


def busybox_image(host, tag: str) -> str:
    """A one-binary image (busybox) imported on the host: no registry is reachable here."""
    host.check_output(
        "set -e; d=$(mktemp -d); mkdir -p $d/bin; cp /bin/busybox $d/bin/busybox; "
        f"tar -C $d -c . | docker import - {tag} >/dev/null; rm -rf $d"
    )
    return tag


def network_address(index: int) -> str:
    """The index-th address of the scenario's network (its subnet is configurable)."""
    subnet = subprocess.run(
        ["docker", "network", "inspect", NETWORK, "--format", "{{(index .IPAM.Config 0).Subnet}}"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    return str(ipaddress.ip_network(subnet)[index])


@contextmanager
def outsider(index: int, image: str = CLIENT_IMAGE, volumes: tuple[str, ...] = ()):
    """Start a client container at the index-th address of the scenario's network; remove it afterwards."""
    name = f"tapbot-outsider-{uuid.uuid4().hex[:8]}"
    address = network_address(index)
    mounts = [arg for volume in volumes for arg in ("-v", volume)]
    subprocess.run(
        ["docker", "run", "-d", "--rm", "--name", name, "--network", NETWORK, "--ip", address, *mounts,
         "--entrypoint", "sleep", image, "infinity"],
        capture_output=True, text=True, check=True,
    )
    try:
        yield Outsider(name, address)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def acme_dir() -> str:
    """Where lab/services.yml keeps Pebble's listener certificate for this scenario."""
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "acme")


@contextmanager
def acme_client(index: int):
    """An outside client (the tools image) that trusts Pebble's issuing root, as /root/root.pem.

    The root changes at every Pebble start: it is fetched from Pebble's management
    port, over TLS verified with the lab CA that lab/services.yml made."""
    with outsider(index, image=TOOLS_IMAGE, volumes=(f"{acme_dir()}:/acme:ro",)) as client:
        run = client.run(f"curl -fsS --cacert /acme/acme-ca.pem https://{network_address(254)}:15000/roots/0 -o /root/root.pem")
        assert run.returncode == 0, run.stderr
        yield client


def acme_orders() -> int:
    """How many certificate orders Pebble has received since it started (from its log)."""
    logs = subprocess.run(["docker", "logs", ACME_CONTAINER], capture_output=True, text=True, check=True)
    return (logs.stdout + logs.stderr).count("Added order")


def _master_secret() -> str:
    config = yaml.safe_load((PROJECT / ".config" / "molecule" / "config.yml").read_text())
    return config["provisioner"]["inventory"]["group_vars"]["all"]["tapbot_master_secret"]


# The scenarios' master secret: the shared Molecule config gives it to every scenario's inventory.
MASTER_SECRET = _master_secret()


def role_default(role: str, name: str):
    """A role default as Ansible resolves it (templated against the role's other defaults)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    loader = DataLoader()
    defaults = loader.load_from_file(str(PROJECT / "roles" / role / "defaults" / "main.yml"), trusted_as_template=True)
    return Templar(loader=loader, variables=defaults).template(defaults[name])


# The Qdrant image the role pulls (from its defaults, so a version bump follows).
QDRANT_IMAGE = role_default("qdrant", "qdrant_image")


def derived_secret(purpose: str, master: str = MASTER_SECRET) -> str:
    """A secret as group_vars derive it from the master secret (the tapbot.platform.tapbot_secret filter)."""
    return tapbot_secret(master, purpose)


def report(capsys, text: str) -> None:
    """A measurement for the run's log (tests/run-molecule shows these; the notes quote them)."""
    with capsys.disabled():
        print(f"\nMEASURED {text}")


