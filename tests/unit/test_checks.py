"""plugin_utils.checks.Problems: the shape of every role's messages."""

from __future__ import annotations

import pytest
from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems, kind


def test_problems_is_a_list_of_messages():
    p = Problems()
    p.add("one")
    assert p == ["one"] and isinstance(p, list)


@pytest.mark.parametrize(
    ("value", "word"),
    [("alice", "text"), ("", "text"), (5, "a number"), (1.5, "a number"), ([], "a list"), ({"a": 1}, "a mapping"),
     (True, "true/false"), (False, "true/false"), (None, "nothing"), ((1, 2), "tuple")],
)
def test_kind_names_a_type_as_yaml_reads(value, word):
    assert kind(value) == word


@pytest.mark.parametrize(("value", "word"), [("alice", "text"), ("a,b", "text"), ({"a": 1}, "a mapping"),
                                             (5, "a number"), (None, "nothing"), (True, "true/false")])
def test_is_list_gives_one_message_for_a_value_of_another_type(value, word):
    p = Problems()
    assert p.is_list("users_admins", value, "{name, ssh_keys}") is False
    assert p == [f"users_admins must be a list of {{name, ssh_keys}} (found {word})"]


def test_is_list_accepts_lists_and_empty_ones_unless_told():
    p = Problems()
    assert p.is_list("v", [], "x") and p.is_list("v", ["a"], "x", empty_ok=False)
    assert p == []
    assert p.is_list("v", [], "x", empty_ok=False) is False
    assert p == ["v must be a non-empty list of x (found an empty list)"]
    assert p.is_list("w", "a", "x", empty_ok=False) is False
    assert p[-1] == "w must be a non-empty list of x (found text)"


def test_is_mapping():
    p = Problems()
    assert p.is_mapping("base_sysctl", {}, "kernel parameter: value")
    assert p.is_mapping("base_sysctl", ["a"], "kernel parameter: value") is False
    assert p.is_mapping("base_sysctl", "a=1", "kernel parameter: value") is False
    assert p == ["base_sysctl must be a mapping of kernel parameter: value (found a list)",
                 "base_sysctl must be a mapping of kernel parameter: value (found text)"]


def test_entries_names_shape_problems_and_yields_each_mapping_with_its_place():
    p = Problems()
    value = [{"name": "n8n", "password": "x"}, "oops", {"password": "z"}]
    found = list(p.entries("postgresql_users", value, "{name, password}"))
    assert [where for where, _ in found] == ["postgresql_users[0] (n8n)", "postgresql_users[2]"]
    assert found[0][1] is value[0]
    assert p == ["postgresql_users[1] is not a mapping {name, password}"]


def test_entries_take_a_label():
    p = Problems()
    found = list(p.entries("ufw_rules_host", [{"port": 22, "comment": "ssh"}], "rules", label=lambda i, r: f"#{i} {r['comment']}"))
    assert [where for where, _ in found] == ["#0 ssh"] and p == []


def test_entries_of_a_string_is_one_message_and_nothing_walked():
    p = Problems()
    assert list(p.entries("redis_users", "n8n", "{name, password}")) == []
    assert p == ["redis_users must be a list of {name, password} (found text)"]
