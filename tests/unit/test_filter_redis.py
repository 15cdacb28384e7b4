"""filter.redis: validation messages and the ACL file's lines."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from ansible_collections.tapbot.platform.plugins.filter import redis
from ansible_collections.tapbot.platform.plugins.filter.redis import redis_acl, redis_problems

PROJECT = Path(__file__).resolve().parents[2]
PW = "x" * 32
ROLE = yaml.safe_load((PROJECT / "roles" / "redis" / "vars" / "main.yml").read_text())["redis_vars"]
FACTS = {"memtotal_mb": 4096}
REDIS = {
    "redis_bind_addresses": ["127.0.0.1", "-::1"], "redis_port": 6379, "redis_maxmemory_mb": 256,
    "redis_maxmemory_policy": "noeviction", "redis_appendfsync": "everysec", "redis_save": ["3600 1"],
    "redis_admin_user": "admin", "redis_admin_password": PW, "redis_default_user_password": "",
    "redis_users": [{"name": "n8n", "password": "n" * 32, "key_prefix": "n8n:"}],
    "redis_app_commands": "+@all -@dangerous", "redis_denied_commands": ["flushall", "config"],
}
ACL = {"admin_user": "admin", "admin_password": PW, "default_password": "",
       "users": [{"name": "n8n", "password": "n" * 32, "key_prefix": "n8n:"}],
       "app_commands": "+@all -@dangerous", "denied_commands": ["flushall", "config"]}


def problems(facts=None, **changes):
    return redis_problems({**REDIS, **changes}, ROLE, FACTS if facts is None else facts, "server2")


def test_redis_good_input_passes():
    assert problems() == []
    assert problems(redis_port="6380", redis_maxmemory_mb="512", redis_default_user_password="d" * 20,
                    redis_maxmemory_policy="allkeys-lru", redis_appendfsync="no") == []
    assert problems(facts={}) == []


@pytest.mark.parametrize("changes,expected", [
    ({"redis_maxmemory_mb": 8192}, "redis_maxmemory_mb is 8192 MB but server2 has only 4096 MB"),
    ({"redis_admin_password": ""}, "redis_admin_password is missing"),
    ({"redis_bind_addresses": ["0.0.0.0"]}, "listens everywhere"),
    ({"redis_bind_addresses": ["-::"]}, "redis_bind_addresses: -:: listens everywhere"),
    ({"redis_bind_addresses": ["server2"]}, "is not an IP address"),
    ({"redis_users": [{"name": "admin", "password": PW}]}, "the name 'admin' is already used by redis_admin_user"),
    ({"redis_users": [{"name": "default", "password": PW}]}, "the name 'default' is already used by Redis's own default user"),
    ({"redis_users": [{"name": "n8n", "password": PW, "key_prefix": "a b"}]}, "key_prefix must be"),
    ({"redis_app_commands": "all"}, "must be ACL command rules"),
    # Beyond the cases above: every other check names its variable.
    ({"redis_bind_addresses": []}, "redis_bind_addresses must be a non-empty list of addresses"),
    ({"redis_port": 70000}, "redis_port 70000 is not a port (1-65535)"),
    ({"redis_maxmemory_mb": 0}, "redis_maxmemory_mb 0 is not a number of megabytes"),
    ({"redis_save": ["3600"]}, 'redis_save must be a list of "<seconds> <changes>" pairs'),
    ({"redis_save": "3600 1"}, 'redis_save must be a list of "<seconds> <changes>" pairs'),
    ({"redis_admin_user": "default"}, "redis_admin_user must be a lower-case name other than default"),
    ({"redis_default_user_password": "short"}, "redis_default_user_password is shorter than 16 characters"),
    ({"redis_denied_commands": ["FLUSHALL"]}, "redis_denied_commands must be a list of lower-case command names"),
    ({"redis_users": [{"name": "N8N", "password": PW}]}, "redis_users[0] (N8N): name must be a lower-case name"),
    ({"redis_users": [{"name": "n8n", "password": "short"}]}, "redis_users[0] (n8n): password is missing or shorter"),
    ({"redis_users": [{"name": "n8n", "password": PW, "commands": "all"}]}, "redis_users[0] (n8n): commands must be "
                                                                            "ACL command rules"),
    ({"redis_users": ["n8n"]}, "redis_users[0] is not a mapping"),
])
def test_redis_bad_input_is_named(changes, expected):
    found = problems(**changes)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(("var", "shape"), [("redis_users", "list of {name, password, key_prefix, commands}"),
                                            ("redis_bind_addresses", "non-empty list of addresses")])
def test_a_string_where_a_list_is_expected_is_one_message(var, shape):
    found = problems(**{var: "127.0.0.1"})
    assert len(found) == 1 and found[0].startswith(f"{var} must be a {shape} (found "), found


def test_passwords_are_never_quoted():
    secret = "tooshort-secret"
    found = problems(redis_admin_password=secret, redis_default_user_password=secret,
                     redis_users=[{"name": "n8n", "password": secret}])
    assert len(found) == 3 and secret not in " ".join(found)


def test_redis_acl_stores_hashes_and_denies_dangerous_commands():
    lines = redis_acl(ACL)
    assert lines[0] == f"user admin on #{hashlib.sha256(PW.encode()).hexdigest()} ~* &* +@all"
    assert lines[1] == "user default off resetpass resetkeys resetchannels -@all"
    assert lines[2].startswith("user n8n on #")
    assert lines[2].endswith("~n8n:* &n8n:* +@all -@dangerous -flushall -config")
    assert not any(PW in line or "n" * 32 in line for line in lines)
    with_default = redis_acl({**ACL, "default_password": "d" * 20})
    assert with_default[1].startswith("user default on #")
    assert with_default[1].endswith("~* &* +@all -@dangerous -flushall -config")


def test_redis_acl_user_without_prefix_and_with_own_commands():
    lines = redis_acl({**ACL, "denied_commands": [], "users": [{"name": "bot", "password": PW, "commands": "+get"}]})
    assert lines[2] == f"user bot on #{hashlib.sha256(PW.encode()).hexdigest()} ~* &* +get"


def test_the_filters_are_published():
    assert redis.FilterModule().filters() == {"redis_problems": redis_problems, "redis_acl": redis_acl}
