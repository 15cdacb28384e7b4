"""Project structure and safety rails: inventories, networks, specs, pins."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LAB_RANGE = ipaddress.ip_network("198.18.0.0/15")
ROLES = sorted(p.name for p in (PROJECT / "roles").iterdir() if (p / "tasks" / "main.yml").exists())
SCENARIOS = sorted(p.parent.name for p in (PROJECT / "molecule").glob("*/molecule.yml"))


def _inventory(*args: str) -> dict:
    out = subprocess.run([str(BIN / "ansible-inventory"), *args, "--list"], cwd=PROJECT, capture_output=True,
                         text=True, check=True, timeout=120, env=dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg")))
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def production_targets() -> set[str]:
    data = _inventory("-i", "inventories/production/hosts.yml")
    targets = {v.get("ansible_host", n) for n, v in data["_meta"]["hostvars"].items()}
    assert {"93.189.229.59", "178.236.17.186"} <= targets
    return targets


def test_default_inventory_is_the_lab_and_reaches_no_production_host(production_targets):
    data = _inventory()  # what `ansible-playbook site.yml` uses without -i
    hostvars = data["_meta"]["hostvars"]
    assert set(hostvars) == {"server1", "server2"}
    for name, v in hostvars.items():
        assert v.get("ansible_host", name) not in production_targets
        # Reached over SSH as production is, but only at the lab's own addresses.
        assert ipaddress.ip_address(v["ansible_host"]) in LAB_RANGE, f"{name} is outside the lab's range"
        assert v.get("ansible_connection", "ssh") == "ssh" and v["ansible_user"] == "deploy"
    assert set(data["apps"]["hosts"]) == {"server1"} and set(data["data"]["hosts"]) == {"server2"}


def _molecule_config(scenario: str) -> dict:
    """The scenario's config as Molecule merges it (shared base, then the scenario)."""
    def load(path):
        text = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", path.read_text())  # ${VAR:-default} -> default
        text = re.sub(r"\$\{[^}]*\}", "X", text)
        return yaml.safe_load(text) or {}

    def merge(a, b):
        out = dict(a)
        for k, v in b.items():
            out[k] = merge(a[k], v) if isinstance(a.get(k), dict) and isinstance(v, dict) else v
        return out

    return merge(load(PROJECT / ".config" / "molecule" / "config.yml"), load(PROJECT / "molecule" / scenario / "molecule.yml"))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_inventories_reach_no_production_host(scenario, production_targets):
    config = _molecule_config(scenario)
    assert config["driver"]["name"] == "docker", "Molecule hosts must be containers reached through the Docker API"
    inventory = config.get("provisioner", {}).get("inventory", {})
    assert "links" not in inventory or "production" not in json.dumps(inventory["links"]), "links to the production inventory"
    for platform in config["platforms"]:
        assert platform["name"] not in production_targets
    text = json.dumps(inventory)
    for target in production_targets:
        assert target not in text
    assert "ansible_host" not in text and "ansible_connection" not in text, "a scenario may not redirect its hosts"


def _subnets(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in {"subnet", "bip", "base"} and isinstance(v, str) and "/" in v and "{" not in v:
                yield v
            yield from _subnets(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _subnets(v)


def test_lab_and_molecule_networks_stay_in_the_test_range():
    found = list(_subnets(_molecule_config(SCENARIOS[0])))
    found.append(yaml.safe_load((PROJECT / "lab" / "up.yml").read_text())[0]["vars"]["lab_prefix"] + ".0/24")
    daemon = re.search(r"<<'JSON'\n(.*?)\nJSON", (PROJECT / "lab" / "bin" / "ensure-docker").read_text(), re.S).group(1)
    found += list(_subnets(json.loads(daemon)))
    assert len(found) >= 4
    for net in found:
        assert ipaddress.ip_network(net, strict=False).subnet_of(LAB_RANGE), net


def test_every_role_has_a_scenario():
    assert set(ROLES) <= set(SCENARIOS)
    assert "site" in SCENARIOS


@pytest.mark.parametrize("role", ROLES)
def test_argument_specs_match_defaults(role):
    """Each default is typed and documented in meta/argument_specs.yml with the same value."""
    defaults = yaml.safe_load((PROJECT / "roles" / role / "defaults" / "main.yml").read_text()) or {}
    specs = yaml.safe_load((PROJECT / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    options = specs["main"]["options"]
    assert set(defaults) == set(options), f"undocumented: {set(defaults) - set(options)}; without default: {set(options) - set(defaults)}"
    for name, value in defaults.items():
        assert name.startswith(role + "_"), f"{name} lacks the role prefix"
        spec = options[name]
        assert spec.get("description"), f"{name} has no description"
        if "default" in spec:
            assert spec["default"] == value, f"{name}: spec default {spec['default']!r} != {value!r}"
    assert specs.get("validate", {}).get("options") == options, "the validate entry point must check the same options"


def test_root_group_vars_are_linked_beside_the_playbooks():
    link = PROJECT / "playbooks" / "group_vars"
    assert link.is_symlink() and os.readlink(link) == "../group_vars"


def test_collection_pins_match_the_ansible_package():
    out = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "list", "--format", "json"], capture_output=True,
                         text=True, check=True, cwd=PROJECT).stdout
    shipped = {}
    for collections in json.loads(out).values():
        for name, info in collections.items():
            shipped.setdefault(name, info["version"])
    wanted = yaml.safe_load((PROJECT / "requirements.yml").read_text())["collections"]
    for c in wanted:
        assert shipped.get(c["name"]) == c["version"], f"{c['name']}: requirements.yml {c['version']}, installed {shipped.get(c['name'])}"


def test_python_requirements_are_pinned():
    for line in (PROJECT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.match(r"^[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*$", line), f"not pinned: {line}"


def test_preflight_checks_every_role_the_playbooks_run_on_the_same_hosts():
    """playbooks/tasks/preflight.yml's plan names each role of common/data/apps with the group its play targets."""
    block = yaml.safe_load((PROJECT / "playbooks" / "tasks" / "preflight.yml").read_text())[0]
    plan = {(p["role"], p["group"]) for p in block["vars"]["tapbot_preflight_plan"]}
    played = set()
    for name, group in (("common", "all"), ("data", "data"), ("apps", "apps"), ("guard", "all")):
        for play in yaml.safe_load((PROJECT / "playbooks" / f"{name}.yml").read_text()):
            for role in play.get("roles", []):
                assert play["hosts"] == group
                played.add((role["role"], group))
    assert plan == played
    imported = {t["ansible.builtin.import_role"]["name"] for t in block["block"] if "ansible.builtin.import_role" in t}
    assert imported == {r for r, _ in plan}


# Playbooks that reach no host (they write files on the controller from the
# inventory): no pre-flight, which would gather the hosts' facts.
CONTROLLER_ONLY = {"ports.yml"}


def test_every_playbook_starts_with_the_preflight():
    for path in [PROJECT / "site.yml", *(PROJECT / "playbooks").glob("*.yml")]:
        if path.name == "validate.yml" or path.name in CONTROLLER_ONLY:
            continue
        first = yaml.safe_load(path.read_text())[0]
        assert first.get("ansible.builtin.import_playbook", "").endswith("validate.yml"), path


@pytest.mark.parametrize("name", sorted(CONTROLLER_ONLY))
def test_controller_only_playbooks_reach_no_host(name):
    """Each play runs with a local connection, gathers no facts and becomes nobody;
    on inventory hosts, only set_fact and assert (which run on the controller)."""
    for play in yaml.safe_load((PROJECT / "playbooks" / name).read_text()):
        assert play["vars"]["ansible_connection"] == "local" and play["gather_facts"] is False, play["name"]
        assert "become" not in play and "roles" not in play, play["name"]
        if play["hosts"] != "localhost":
            modules = {k for t in play["tasks"] for k in t if k.startswith("ansible.builtin.")}
            assert modules <= {"ansible.builtin.set_fact", "ansible.builtin.assert", "ansible.builtin.import_tasks"}, modules
            imports = [t for t in play["tasks"] if "ansible.builtin.import_tasks" in t]
            assert all(t["when"] is False for t in imports), "imported tasks must not run"


def test_group_vars_repeat_no_role_default():
    """Wiring reads the roles' exports (tapbot_ports, tapbot_exports) or their variables, never a copied default."""
    for path in (PROJECT / "group_vars").rglob("*.yml"):
        text = path.read_text()
        for m in re.finditer(r"([a-z]+_[a-z_]+) \| default\(", text):
            assert not any(m.group(1).startswith(r + "_") for r in ROLES), f"{path}: {m.group(0)}"


def test_the_single_server_scenario_runs_the_shared_platform():
    """molecule/single repeats the shared server2 definition (Molecule replaces the platform list): only its groups differ."""
    shared = {p["name"]: p for p in _molecule_config("site")["platforms"]}["server2"]
    single = yaml.safe_load((PROJECT / "molecule" / "single" / "molecule.yml").read_text())["platforms"]
    assert len(single) == 1 and single[0]["groups"] == ["apps", "data"]
    def _same(p):
        return {k: v for k, v in p.items() if k not in ("name", "hostname", "groups", "docker_networks")}
    assert _same(single[0]) == _same(shared)
