"""filter.docker: daemon networks, mirrors, log limits, environment."""

from __future__ import annotations

import pytest
from ansible_collections.tapbot.platform.plugins.filter import docker
from ansible_collections.tapbot.platform.plugins.filter.docker import docker_problems

OK = {
    "docker_major_version": 29, "docker_bip": "172.30.0.1/24",
    "docker_default_address_pools": [{"base": "172.31.0.0/16", "size": 24}],
    "docker_registry_mirrors": ["http://198.18.0.1:5000"], "docker_log_max_size": "10m", "docker_log_max_file": 3,
    "docker_daemon_options": {}, "docker_service_environment": {"HTTPS_PROXY": "http://proxy:3128"},
}
HOST = "93.189.229.59"


def problems(host_address=HOST, **changes):
    return docker_problems({**OK, **changes}, host_address)


def test_docker_good_settings_pass():
    assert problems() == []
    assert problems(docker_major_version="29", docker_log_max_file="5") == []
    # No address known for the host: nothing to compare the networks with.
    assert docker_problems(OK) == [] and problems(host_address="") == []
    assert problems(host_address="not-an-address", docker_default_address_pools=[{"base": "93.189.0.0/16",
                                                                                   "size": 24}]) == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"docker_major_version": "latest"}, "docker_major_version is 'latest'"),
        ({"docker_bip": "172.30.0.0/24"}, "docker_bip is '172.30.0.0/24'"),
        ({"docker_bip": "172.30.0.1"}, "docker_bip is '172.30.0.1'"),
        ({"docker_bip": "172.30.0.255/24"}, "docker_bip is '172.30.0.255/24'"),
        ({"docker_bip": ""}, "docker_bip is '': give the bridge's address with its prefix, such as 172.30.0.1/24"),
        ({"docker_default_address_pools": [{"base": "172.30.0.0/16", "size": 24}]}, "overlaps"),
        ({"docker_default_address_pools": [{"base": "172.31.0.0/16"}]}, "give exactly base"),
        ({"docker_default_address_pools": [{"base": "nonsense", "size": 24}]}, ".base 'nonsense' is not a CIDR"),
        ({"docker_default_address_pools": [{"base": "172.31.0.0", "size": 24}]}, ".base '172.31.0.0' is not a CIDR"),
        ({"docker_default_address_pools": [{"base": "172.31.0.0/16", "size": 8}]}, ".size 8 must lie between"),
        ({"docker_default_address_pools": [{"base": "172.31.0.0/16", "size": 31}]}, ".size 31 must lie between the "
                                                                                    "base's prefix (16) and 30"),
        ({"docker_default_address_pools": [{"base": "93.189.0.0/16", "size": 24}]},
         "contains this server's own address 93.189.229.59"),
        ({"docker_default_address_pools": ["172.31.0.0/16"]}, "docker_default_address_pools[0]: give exactly base"),
        ({"docker_registry_mirrors": ["registry.local"]}, "docker_registry_mirrors has 'registry.local'"),
        ({"docker_registry_mirrors": ["ftp://registry.local"]}, "docker_registry_mirrors has 'ftp://registry.local'"),
        ({"docker_log_max_size": "10MB"}, "docker_log_max_size is '10MB'"),
        ({"docker_log_max_file": 0}, "docker_log_max_file is 0"),
        ({"docker_daemon_options": ["x"]}, "docker_daemon_options must be a mapping"),
        ({"docker_service_environment": {"A-B": "1"}}, "'A-B' is not an environment variable name"),
        ({"docker_service_environment": {"A": 'say "hi"'}}, "docker_service_environment.A: give one line"),
        ({"docker_service_environment": {"A": "a\nb"}}, "docker_service_environment.A: give one line"),
        ({"docker_service_environment": ["A=1"]}, "docker_service_environment must be a mapping of NAME: value"),
    ],
)
def test_docker_bad_settings_are_named(change, named):
    found = problems(**change)
    assert any(named in p for p in found), found


def test_overlap_names_both_variables():
    found = problems(docker_default_address_pools=[{"base": "172.30.0.0/16", "size": 24}])
    assert found == ["docker_bip (172.30.0.0/24) overlaps docker_default_address_pools[0] (172.30.0.0/16): "
                     "Docker would route one over the other"]


def test_bridge_containing_the_host_is_named():
    found = problems(host_address="172.30.0.7")
    assert found == ["docker_bip (172.30.0.0/24) contains this server's own address 172.30.0.7: "
                     "the server would lose its network"]


@pytest.mark.parametrize(
    ("var", "value", "shape"),
    [("docker_registry_mirrors", "http://x", "URLs"),
     ("docker_default_address_pools", "172.31.0.0/16", "{base, size}")],
)
def test_a_string_where_a_list_is_expected_is_one_message(var, value, shape):
    found = problems(**{var: value})
    assert len(found) == 1 and found[0].startswith(f"{var} must be a list of {shape} (found "), found


def test_the_filter_is_published():
    assert docker.FilterModule().filters() == {"docker_problems": docker_problems}
