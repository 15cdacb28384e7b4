"""The data roles' filters: validation messages, tuning, pg_hba addresses, Redis ACL lines."""

from __future__ import annotations

import hashlib

import pytest
from postgresql_config import (postgresql_conf_value, postgresql_hba_address, postgresql_problems,
                               postgresql_settings)
from qdrant_config import qdrant_problems
from redis_config import redis_acl, redis_problems

PW = "x" * 32
PG = {
    "host": "server2", "release": "13", "ram_mb": 4096, "debian_majors": {"12": "15", "13": "17"},
    "keys": {"user": ["name", "password", "state", "attributes"],
             "database": ["name", "owner", "users", "extensions", "encoding", "lc_collate", "lc_ctype"],
             "privilege": ["database", "roles", "type", "privs", "objs", "schema", "state", "grant_option"]},
    "source": "debian", "version": "", "port": 5432, "listen_addresses": ["localhost", "198.18.0.12"],
    "client_addresses": ["198.18.0.11"], "memory_mb": 0, "max_connections": 100, "settings": {},
    "users": [{"name": "n8n", "password": PW}], "databases": [{"name": "n8n", "owner": "n8n"}], "privileges": [],
}


def pg(**changes):
    return postgresql_problems({**PG, **changes})


def test_postgresql_good_input_passes():
    assert pg() == []


@pytest.mark.parametrize("changes,expected", [
    ({"databases": [{"name": "n8n", "owner": "ghost"}]}, "owner 'ghost' is not declared in postgresql_users"),
    ({"databases": [{"name": "n8n"}]}, "no owner"),
    ({"databases": [{"name": "n8n", "owner": "n8n", "users": ["ghost"]}]}, "user 'ghost' is not declared"),
    ({"users": [{"name": "n8n", "password": ""}]}, "password is missing or shorter than 16"),
    ({"users": [{"name": "postgres", "password": PW}], "databases": []}, "other than postgres"),
    ({"users": [{"name": "n8n", "password": PW, "attributes": ["SUPERUSER"]}]}, "without SUPERUSER"),
    ({"memory_mb": 8192}, "postgresql_memory_mb is 8192 MB but server2 has only 4096 MB"),
    ({"settings": {"shared_buffers": "5GB"}}, "postgresql_settings.shared_buffers is 5GB but server2"),
    ({"settings": {"work_mem": "lots"}}, "is not a size"),
    ({"settings": {"listen_addresses": "*"}}, "set by the role"),
    ({"version": "16"}, "Debian 13 ships PostgreSQL 17, not 16"),
    ({"source": "pgdg"}, "set postgresql_version"),
    ({"client_addresses": ["tapbot-server1"]}, "'tapbot-server1' is not an address"),
    ({"client_addresses": ["0.0.0.0/0"]}, "admits every address"),
    ({"listen_addresses": ["server2"]}, "is not localhost or an IP address"),
    ({"privileges": [{"database": "other", "roles": "n8n"}]}, "database 'other' is not declared"),
])
def test_postgresql_bad_input_is_named(changes, expected):
    problems = pg(**changes)
    assert any(expected in p for p in problems), problems


def test_postgresql_pgdg_takes_any_major():
    assert pg(source="pgdg", version="18") == []


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


def test_postgresql_conf_values_and_hba_addresses():
    assert postgresql_conf_value(["localhost", "198.18.0.12"]) == "'localhost,198.18.0.12'"
    assert postgresql_conf_value("it's") == "'it''s'"
    assert postgresql_conf_value(True) == "on" and postgresql_conf_value(0.9) == "0.9"
    assert postgresql_hba_address("198.18.0.11") == "198.18.0.11/32"
    assert postgresql_hba_address("198.18.0.0/24") == "198.18.0.0/24"
    assert postgresql_hba_address("2001:db8::1") == "2001:db8::1/128"


REDIS = {
    "host": "server2", "ram_mb": 4096, "policies": ["noeviction", "allkeys-lru"], "appendfsync_choices": ["always", "everysec", "no"],
    "user_keys": ["name", "password", "key_prefix", "commands"], "bind_addresses": ["127.0.0.1", "-::1"], "port": 6379,
    "maxmemory_mb": 256, "maxmemory_policy": "noeviction", "appendfsync": "everysec", "save": ["3600 1"],
    "admin_user": "admin", "admin_password": PW, "default_password": "",
    "users": [{"name": "n8n", "password": "n" * 32, "key_prefix": "n8n:"}],
    "app_commands": "+@all -@dangerous", "denied_commands": ["flushall", "config"],
}


def test_redis_good_input_passes():
    assert redis_problems(REDIS) == []


@pytest.mark.parametrize("changes,expected", [
    ({"maxmemory_mb": 8192}, "redis_maxmemory_mb is 8192 MB but server2 has only 4096 MB"),
    ({"admin_password": ""}, "redis_admin_password is missing"),
    ({"bind_addresses": ["0.0.0.0"]}, "listens everywhere"),
    ({"bind_addresses": ["server2"]}, "is not an IP address"),
    ({"users": [{"name": "admin", "password": PW}]}, "the name is taken"),
    ({"users": [{"name": "n8n", "password": PW, "key_prefix": "a b"}]}, "key_prefix must be"),
    ({"maxmemory_policy": "lru"}, "is not one of"),
    ({"app_commands": "all"}, "must be ACL command rules"),
])
def test_redis_bad_input_is_named(changes, expected):
    problems = redis_problems({**REDIS, **changes})
    assert any(expected in p for p in problems), problems


def test_redis_acl_stores_hashes_and_denies_dangerous_commands():
    lines = redis_acl(REDIS)
    assert lines[0] == f"user admin on #{hashlib.sha256(PW.encode()).hexdigest()} ~* &* +@all"
    assert lines[1] == "user default off resetpass resetkeys resetchannels -@all"
    assert lines[2].startswith("user n8n on #") and lines[2].endswith("~n8n:* &n8n:* +@all -@dangerous -flushall -config")
    assert not any(PW in line or "n" * 32 in line for line in lines)
    with_default = redis_acl({**REDIS, "default_password": "d" * 20})
    assert with_default[1].startswith("user default on #")


QDRANT = {"host": "server2", "ram_mb": 4096, "log_levels": ["INFO"], "bind_address": "198.18.0.12", "http_port": 6333,
          "grpc_port": 6334, "grpc_enabled": False, "api_key": "a" * 32, "read_only_api_key": "r" * 32,
          "memory_mb": 1024, "cpus": 1.0, "log_level": "INFO"}


def test_qdrant_good_input_passes():
    assert qdrant_problems(QDRANT) == []


@pytest.mark.parametrize("changes,expected", [
    ({"memory_mb": 8192}, "qdrant_memory_mb is 8192 MB but server2 has only 4096 MB"),
    ({"api_key": ""}, "qdrant_api_key is missing"),
    ({"read_only_api_key": "a" * 32}, "equals qdrant_api_key"),
    ({"bind_address": "data"}, "is not an IP address"),
    ({"grpc_enabled": True, "grpc_port": 6333}, "are the same port"),
])
def test_qdrant_bad_input_is_named(changes, expected):
    problems = qdrant_problems({**QDRANT, **changes})
    assert any(expected in p for p in problems), problems
