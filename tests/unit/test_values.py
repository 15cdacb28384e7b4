"""plugin_utils.values: the readers every role's checks share."""

from __future__ import annotations

import ipaddress

import pytest
from ansible_collections.tapbot.platform.plugins.plugin_utils import values


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5), (0, 0), (-3, -3), ("5", 5), ("-5", -5), ("+7", 7), (" 12 ", 12),
     (True, None), (False, None), (1.5, None), (2.0, None), ("1.5", None), ("x", None), ("", None), (None, None),
     ([1], None)],
)
def test_whole_number(value, expected):
    assert values.whole_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1.0), ("1.5", 1.5), (" 2 ", 2.0), (0.25, 0.25), (True, None), ("x", None), (None, None), ("", None),
     ("nan", None), ("inf", None), ("-inf", None), (float("nan"), None), (float("inf"), None)],
)
def test_number(value, expected):
    assert values.number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), (22, 22), ("2222", 2222), (65535, 65535), (0, None), (65536, None), (-1, None), ("-22", None),
     (True, None), ("ssh", None), (22.0, None), (None, None)],
)
def test_port(value, expected):
    assert values.port(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(22, (22, 22)), ("22", (22, 22)), (" 80 ", (80, 80)), ("2000:3000", (2000, 3000)), ("1:65535", (1, 65535)),
     ("8000:8000", (8000, 8000)), ("90:80", None), (0, None), ("0:10", None), ("1:65536", None), (True, None),
     ("a:b", None), ("80-90", None), ("", None), ("22/tcp", None)],
)
def test_port_range(value, expected):
    assert values.port_range(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("198.18.0.11", ipaddress.ip_address("198.18.0.11")), (" 2001:db8::1 ", ipaddress.ip_address("2001:db8::1")),
     ("198.18.0.0/24", None), ("tapbot-server1", None), ("", None), (None, None), ("256.1.1.1", None)],
)
def test_address(value, expected):
    assert values.address(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("198.18.0.0/24", "198.18.0.0/24"), ("198.18.0.1/24", "198.18.0.0/24"), ("198.18.0.11", "198.18.0.11/32"),
     ("2001:db8::1", "2001:db8::1/128"), ("2001:db8::/32", "2001:db8::/32"), ("0.0.0.0/0", "0.0.0.0/0"),
     ("198.18.0.0/33", None), ("example.com", None), ("any", None), ("", None), (True, None), (None, None),
     ("1.2.3", None)],
)
def test_network(value, expected):
    found = values.network(value)
    assert (str(found) if found is not None else None) == expected


# fail2ban's and systemd's durations (the old fail2ban_config.seconds cases).
@pytest.mark.parametrize(
    ("text", "expected"),
    [(600, 600), ("30s", 30), ("10m", 600), ("1h 30m", 5400), ("1d", 86400), ("1w", 604800), ("90", 90),
     ("2 hours", 7200), ("0", None), ("-1", None), ("10 parsecs", None), ("", None), (True, None),
     (0, None), (-5, None), (1.5, 1.5), ("1H", 3600), ("1mo", 2629800), ("1y", 31557600), ("1.5h", 5400),
     ("   ", None), ("10m x", None)],
)
def test_duration(text, expected):
    assert values.duration(text) == expected


@pytest.mark.parametrize("name", ["tapbot.kz", "n8n.tapbot.kz", "a-b.example.org", "xn--80ak6aa92e.kz"])
def test_fqdn_accepts(name):
    assert values.fqdn(name)


@pytest.mark.parametrize(
    "name",
    ["localhost", "https://tapbot.kz", "tapbot.kz.", "TAPBOT.KZ", "A.tapbot.kz", "a_b.tapbot.kz", "-a.tapbot.kz",
     "a-.tapbot.kz", "tapbot.kz/path", "tapbot.kz:443", "1.2.3.4", "", None, 42, "a." + "b" * 64 + ".kz",
     ".".join(["a" * 63] * 5)],
)
def test_fqdn_refuses(name):
    assert not values.fqdn(name)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("x", '"x"'), (5, "5"), (None, "null"), (["a", 1], '["a", 1]'), ({"k": True}, '{"k": true}')],
)
def test_json_text_quotes_like_the_operators_yaml(value, expected):
    assert values.json_text(value) == expected


def test_json_text_falls_back_to_repr():
    assert values.json_text({1, 2}) == repr({1, 2})
