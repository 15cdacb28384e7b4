"""Every scenario: its Molecule inventory cannot reach a production server.

Runs in each scenario's verify step against the inventory Molecule generated,
so a platform or provisioner setting that pointed at a real server fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]
INVENTORY_CMD = str(Path(sys.executable).with_name("ansible-inventory"))
CONTAINER_CONNECTIONS = {"docker", "community.docker.docker"}


def _inventory(path: str) -> dict:
    out = subprocess.run([INVENTORY_CMD, "-i", path, "--list"], cwd=PROJECT, capture_output=True,
                         text=True, check=True, timeout=120).stdout
    return json.loads(out)


def _production_targets() -> set[str]:
    data = _inventory(str(PROJECT / "inventories" / "production" / "hosts.yml"))
    hostvars = data["_meta"]["hostvars"]
    return {v.get("ansible_host", name) for name, v in hostvars.items()}


def test_molecule_inventory_has_no_production_target():
    data = _inventory(os.environ["MOLECULE_INVENTORY_FILE"])
    production = _production_targets()
    assert production, "could not read the production inventory's addresses"
    hostvars = data["_meta"]["hostvars"]
    assert hostvars, "the Molecule inventory has no hosts"
    for name, v in hostvars.items():
        target = v.get("ansible_host", name)
        assert target not in production, f"{name} targets production address {target}"
        assert v.get("ansible_connection") in CONTAINER_CONNECTIONS, (
            f"{name} is reached over {v.get('ansible_connection')!r}, not through the Docker API"
        )
