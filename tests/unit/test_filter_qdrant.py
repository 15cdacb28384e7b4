"""filter.qdrant: qdrant_problems names every input to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible_collections.tapbot.platform.plugins.filter import qdrant
from ansible_collections.tapbot.platform.plugins.filter.qdrant import qdrant_problems

PROJECT = Path(__file__).resolve().parents[2]
ROLE = yaml.safe_load((PROJECT / "roles" / "qdrant" / "vars" / "main.yml").read_text())["qdrant_vars"]
FACTS = {"memtotal_mb": 4096}
QDRANT = {"qdrant_bind_address": "198.18.0.12", "qdrant_http_port": 6333, "qdrant_grpc_port": 6334,
          "qdrant_grpc_enabled": False, "qdrant_api_key": "a" * 32, "qdrant_read_only_api_key": "r" * 32,
          "qdrant_memory_mb": 1024, "qdrant_cpus": 1.0, "qdrant_log_level": "INFO"}


def problems(facts=None, **changes):
    return qdrant_problems({**QDRANT, **changes}, ROLE, FACTS if facts is None else facts, "server2")


def test_qdrant_good_input_passes():
    assert problems() == []
    assert problems(qdrant_http_port="6333", qdrant_memory_mb="2048", qdrant_cpus="0.5",
                    qdrant_bind_address="2001:db8::12") == []
    assert problems(facts={}, qdrant_memory_mb=65536) == []
    # gRPC off: its port may equal the HTTP port (it is not published).
    assert problems(qdrant_grpc_port=6333) == []


@pytest.mark.parametrize("changes,expected", [
    ({"qdrant_memory_mb": 8192}, "qdrant_memory_mb is 8192 MB but server2 has only 4096 MB"),
    ({"qdrant_api_key": ""}, "qdrant_api_key is missing"),
    ({"qdrant_read_only_api_key": "a" * 32}, "equals qdrant_api_key"),
    ({"qdrant_bind_address": "data"}, "is not an IP address"),
    ({"qdrant_grpc_enabled": True, "qdrant_grpc_port": 6333}, "are the same port"),
    # Beyond the cases above: every other check names its variable.
    ({"qdrant_bind_address": "198.18.0.0/24"}, "qdrant_bind_address '198.18.0.0/24' is not an IP address"),
    ({"qdrant_http_port": 0}, "qdrant_http_port 0 is not a port (1-65535)"),
    ({"qdrant_grpc_port": "grpc"}, "qdrant_grpc_port 'grpc' is not a port (1-65535)"),
    ({"qdrant_api_key": "a" * 23}, "qdrant_api_key is missing or shorter than 24 characters"),
    ({"qdrant_read_only_api_key": None}, "qdrant_read_only_api_key is missing or shorter than 24 characters"),
    ({"qdrant_memory_mb": 64}, "qdrant_memory_mb 64 is not a number of megabytes (128 or more)"),
    ({"qdrant_memory_mb": "1G"}, "qdrant_memory_mb '1G' is not a number of megabytes"),
    ({"qdrant_cpus": 0}, "qdrant_cpus 0 is not a positive number"),
    ({"qdrant_cpus": "two"}, "qdrant_cpus 'two' is not a positive number"),
    ({"qdrant_cpus": True}, "qdrant_cpus True is not a positive number"),
])
def test_qdrant_bad_input_is_named(changes, expected):
    found = problems(**changes)
    assert any(expected in p for p in found), found


def test_keys_are_never_quoted():
    found = problems(qdrant_api_key="short-key", qdrant_read_only_api_key="short-key")
    assert len(found) == 2 and "short-key" not in " ".join(found)


@pytest.mark.parametrize("cpus", ["nan", "inf", "-inf"])
def test_cpus_must_be_a_finite_number(cpus):
    assert problems(qdrant_cpus=cpus) == [f"qdrant_cpus '{cpus}' is not a positive number"]


def test_the_filter_is_published():
    assert qdrant.FilterModule().filters() == {"qdrant_problems": qdrant_problems}
