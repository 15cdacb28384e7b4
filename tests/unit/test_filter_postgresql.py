"""filter.postgresql: validation messages, tuning, conf values and pg_hba addresses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.tapbot.platform.plugins.filter import postgresql
from ansible_collections.tapbot.platform.plugins.filter.postgresql import (planned_memory_mb, postgresql_conf_value,
                                                                          postgresql_hba_address, postgresql_problems,
                                                                          postgresql_settings)

PROJECT = Path(__file__).resolve().parents[2]
PW = "x" * 32
ROLE = {"debian_majors": {"12": "15", "13": "17"}}
FACTS = {"distribution_major_version": "13", "memtotal_mb": 4096}
PG = {
    "postgresql_source": "debian", "postgresql_version": "", "postgresql_port": 5432,
    "postgresql_listen_addresses": ["localhost", "198.18.0.12"], "postgresql_client_addresses": ["198.18.0.11"],
    "postgresql_memory_mb": 0, "postgresql_max_connections": 100, "postgresql_settings": {},
    "postgresql_users": [{"name": "n8n", "password": PW}],
    "postgresql_databases": [{"name": "n8n", "owner": "n8n"}], "postgresql_privileges": [],
}


def pg(facts=None, **changes):
    return postgresql_problems({**PG, **changes}, ROLE, FACTS if facts is None else facts, "server2")


def test_role_vars_are_the_ones_the_tests_use():
    role_vars = yaml.safe_load((PROJECT / "roles" / "postgresql" / "vars" / "main.yml").read_text())["postgresql_vars"]
    assert {k: role_vars[k] for k in ROLE} == ROLE


def test_postgresql_good_input_passes():
    assert pg() == []
    # Extra vars arrive as text; facts may be missing (nothing to compare with).
    assert pg(postgresql_port="5433", postgresql_memory_mb="1024", postgresql_max_connections="50") == []
    assert pg(facts={}) == []


@pytest.mark.parametrize("changes,expected", [
    ({"postgresql_databases": [{"name": "n8n", "owner": "ghost"}]},
     "owner 'ghost' is not declared in postgresql_users"),
    ({"postgresql_databases": [{"name": "n8n"}]}, "no owner"),
    ({"postgresql_databases": [{"name": "n8n", "owner": "n8n", "users": ["ghost"]}]}, "user 'ghost' is not declared"),
    ({"postgresql_users": [{"name": "n8n", "password": ""}]}, "password is missing or shorter than 16"),
    ({"postgresql_users": [{"name": "postgres", "password": PW}], "postgresql_databases": []}, "other than postgres"),
    ({"postgresql_users": [{"name": "n8n", "password": PW, "attributes": ["SUPERUSER"]}]}, "without SUPERUSER"),
    ({"postgresql_memory_mb": 8192}, "postgresql_memory_mb is 8192 MB but server2 has only 4096 MB"),
    ({"postgresql_settings": {"shared_buffers": "5GB"}}, "postgresql_settings.shared_buffers is 5GB but server2"),
    ({"postgresql_settings": {"work_mem": "lots"}}, "is not a size"),
    ({"postgresql_settings": {"listen_addresses": "*"}}, "set by the role"),
    ({"postgresql_version": "16"}, "Debian 13 ships PostgreSQL 17, not 16"),
    ({"postgresql_source": "pgdg"}, "set postgresql_version"),
    ({"postgresql_client_addresses": ["tapbot-server1"]}, "'tapbot-server1' is not an address"),
    ({"postgresql_client_addresses": ["0.0.0.0/0"]}, "admits every address"),
    ({"postgresql_listen_addresses": ["server2"]}, "is not localhost or an IP address"),
    ({"postgresql_privileges": [{"database": "other", "roles": "n8n"}]}, "database 'other' is not declared"),
    # Beyond the cases above: every other check names its variable.
    ({"postgresql_version": "17.2"}, "postgresql_version '17.2' is not a PostgreSQL major such as 17"),
    ({"postgresql_port": 0}, "postgresql_port 0 is not a port (1-65535)"),
    ({"postgresql_listen_addresses": []}, "postgresql_listen_addresses must be a non-empty list"),
    ({"postgresql_memory_mb": -1}, "postgresql_memory_mb -1 is not a number of megabytes"),
    ({"postgresql_memory_mb": "1G"}, "postgresql_memory_mb '1G' is not a number of megabytes"),
    ({"postgresql_max_connections": 0}, "postgresql_max_connections 0 is not between 1 and 10000"),
    ({"postgresql_settings": {"Bad-Name": 1}}, "postgresql_settings: 'Bad-Name' is not a setting name"),
    ({"postgresql_settings": {"work_mem": 0}}, "postgresql_settings.work_mem: 0 is not a size"),
    ({"postgresql_settings": ["work_mem=1MB"]}, "postgresql_settings must be a mapping of setting names to values"),
    ({"postgresql_users": [{"name": "n8n", "password": PW}] * 2}, "postgresql_users[1] (n8n): the name 'n8n' is already used by postgresql_users[0]"),
    ({"postgresql_users": ["n8n"]}, "postgresql_users[0] is not a mapping"),
    ({"postgresql_users": [{"name": "pg_x", "password": PW}]}, "other than postgres and pg_*"),
    ({"postgresql_databases": [{"name": "template1", "owner": "n8n"}]}, "other than postgres and template*"),
    ({"postgresql_databases": [{"name": "n8n", "owner": "n8n"}] * 2}, "postgresql_databases[1] (n8n): the name 'n8n' is already used by postgresql_databases[0]"),
    ({"postgresql_databases": [{"name": "n8n", "owner": "n8n", "users": "n8n"}]}, "users must be a list of names (found text)"),
    ({"postgresql_databases": [{"name": "n8n", "owner": "n8n", "extensions": ["Bad Ext"]}]},
     "extensions must be a list of extension names"),
    ({"postgresql_privileges": [{"database": "n8n"}]}, "postgresql_privileges[0]: roles is required"),
])
def test_postgresql_bad_input_is_named(changes, expected):
    problems = pg(**changes)
    assert any(expected in p for p in problems), problems


def test_an_absent_user_cannot_own_a_database():
    found = pg(postgresql_users=[{"name": "n8n", "password": "", "state": "absent"}])
    assert found == ["postgresql_databases[0] (n8n): owner 'n8n' is not declared in postgresql_users (or is absent)"]


def test_a_release_the_role_does_not_know():
    assert pg(facts={"distribution_major_version": "11", "memtotal_mb": 4096}) == [
        "Debian 11 is not a release this role knows (it knows 12, 13)"]
    assert pg(facts={"distribution_major_version": "12", "memtotal_mb": 4096}, postgresql_version="15") == []


def test_postgresql_pgdg_takes_any_major():
    assert pg(postgresql_source="pgdg", postgresql_version="18") == []


def test_memory_settings_in_postgresqls_own_units():
    # A bare number is in 8 kB pages for shared_buffers: 655360 pages are 5 GB.
    assert any("shared_buffers is 655360 but server2" in p for p in pg(postgresql_settings={"shared_buffers": 655360}))
    assert pg(postgresql_settings={"shared_buffers": 65536, "work_mem": "64MB", "autovacuum_work_mem": -1}) == []


@pytest.mark.parametrize(
    ("var", "shape"),
    [("postgresql_users", "{name, password}"), ("postgresql_databases", "{name, owner}"),
     ("postgresql_privileges", "{database, roles, type, privs, objs}"),
     ("postgresql_listen_addresses", "non-empty list of localhost or addresses"),
     ("postgresql_client_addresses", "addresses or CIDRs")],
)
def test_a_string_where_a_list_is_expected_is_one_message(var, shape):
    changes = {var: "n8n"}
    if var == "postgresql_users":
        changes["postgresql_databases"] = []
    found = pg(**changes)
    shape = shape if shape.startswith("non-empty") else f"list of {shape}"
    assert len(found) == 1 and found[0].startswith(f"{var} must be a {shape} (found "), found


def test_passwords_are_never_quoted():
    secret = "a-secret-that-is-too-short"[:12]
    assert secret not in " ".join(pg(postgresql_users=[{"name": "n8n", "password": secret}]))


def test_postgresql_tuning_scales_with_memory():
    small = postgresql_settings({"memory_mb": 0, "ram_mb": 4096, "max_connections": 100, "settings": {}})
    assert small["shared_buffers"] == "512MB" and small["effective_cache_size"] == "1536MB"
    assert small["maintenance_work_mem"] == "128MB"
    big = postgresql_settings({"memory_mb": 65536, "ram_mb": 131072, "max_connections": 200, "settings": {}})
    assert big["shared_buffers"] == "16384MB" and big["maintenance_work_mem"] == "2048MB"
    assert big["wal_buffers"] == "16384kB"
    own = postgresql_settings({"memory_mb": 0, "ram_mb": 4096, "max_connections": 100,
                               "settings": {"shared_buffers": "1GB", "jit": False}})
    assert own["shared_buffers"] == "1GB" and own["jit"] is False
    assert list(own) == sorted(own)


def test_planned_memory():
    assert planned_memory_mb(0, 4096) == 2048
    assert planned_memory_mb("1024", 4096) == 1024
    assert planned_memory_mb(0, 256) == 256 and planned_memory_mb(0, None) == 512


def test_postgresql_conf_values_and_hba_addresses():
    assert postgresql_conf_value(["localhost", "198.18.0.12"]) == "'localhost,198.18.0.12'"
    assert postgresql_conf_value("it's") == "'it''s'"
    assert postgresql_conf_value("a\\b") == "'a\\\\b'"
    assert postgresql_conf_value(True) == "on" and postgresql_conf_value(0.9) == "0.9"
    assert postgresql_conf_value(False) == "off" and postgresql_conf_value(100) == "100"
    assert postgresql_hba_address("198.18.0.11") == "198.18.0.11/32"
    assert postgresql_hba_address("198.18.0.0/24") == "198.18.0.0/24"
    assert postgresql_hba_address("2001:db8::1") == "2001:db8::1/128"
    with pytest.raises(AnsibleFilterError, match="'tapbot-server1' is not an address or CIDR"):
        postgresql_hba_address("tapbot-server1")


def test_the_filters_are_published():
    assert postgresql.FilterModule().filters() == {
        "postgresql_problems": postgresql_problems, "postgresql_tuned_settings": postgresql_settings,
        "postgresql_conf_value": postgresql_conf_value, "postgresql_hba_address": postgresql_hba_address,
        "postgresql_planned_memory_mb": planned_memory_mb}
