"""filter.fail2ban: the role's inputs, alone and together."""

from __future__ import annotations

import pytest
from ansible_collections.tapbot.platform.plugins.filter import fail2ban
from ansible_collections.tapbot.platform.plugins.filter.fail2ban import fail2ban_problems, fail2ban_value

OK = {
    "fail2ban_ignoreip": ["198.18.0.0/24", "2001:db8::1"], "fail2ban_banaction": "ufw", "fail2ban_bantime": "1h",
    "fail2ban_findtime": "10m", "fail2ban_maxretry": 5, "fail2ban_bantime_increment": True,
    "fail2ban_bantime_factor": 1, "fail2ban_bantime_maxtime": "1w", "fail2ban_dbpurgeage": "1w",
    "fail2ban_sshd_port": 22, "fail2ban_sshd_maxretry": 5, "fail2ban_recidive_enabled": True,
    "fail2ban_recidive_bantime": "1w", "fail2ban_recidive_findtime": "1d", "fail2ban_recidive_maxretry": 5,
    "fail2ban_traefik_enabled": True, "fail2ban_traefik_access_log": "/var/log/traefik/access.log",
    "fail2ban_traefik_ports": [80, 443], "fail2ban_traefik_maxretry": 5, "fail2ban_webmin_port": 10000,
    "fail2ban_webmin_maxretry": 5, "fail2ban_jails": {"n8n-auth": {"enabled": True, "port": "443"}},
}
MANAGED = ["sshd", "recidive", "traefik-auth", "webmin-auth"]


def problems(**changes):
    return fail2ban_problems({**OK, **changes}, MANAGED)


def test_fail2ban_good_settings_pass():
    assert problems() == []
    # Extra vars arrive as text.
    assert problems(fail2ban_maxretry="3", fail2ban_sshd_port="2222", fail2ban_bantime="3600") == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"fail2ban_bantime": "soon"}, "fail2ban_bantime is 'soon'"),
        ({"fail2ban_maxretry": 0}, "fail2ban_maxretry is 0"),
        ({"fail2ban_sshd_port": 70000}, "fail2ban_sshd_port is 70000"),
        ({"fail2ban_traefik_ports": [80, "x"]}, "fail2ban_traefik_ports has 'x'"),
        ({"fail2ban_ignoreip": ["example.com"]}, "fail2ban_ignoreip has 'example.com'"),
        ({"fail2ban_bantime": "2w"}, "fail2ban_bantime_maxtime (1w) is shorter than fail2ban_bantime (2w)"),
        ({"fail2ban_dbpurgeage": "1d"}, "fail2ban_dbpurgeage (1d) is shorter than fail2ban_bantime_maxtime (1w)"),
        ({"fail2ban_recidive_findtime": "10m"},
         "fail2ban_recidive_findtime (10m) is shorter than fail2ban_bantime (1h)"),
        ({"fail2ban_banaction": "nftables"}, "fail2ban_traefik_enabled needs fail2ban_banaction: ufw"),
        ({"fail2ban_traefik_access_log": "access.log"}, "fail2ban_traefik_access_log is 'access.log'"),
        ({"fail2ban_jails": {"sshd": {}}}, "fail2ban_jails['sshd']: this jail is managed"),
        ({"fail2ban_jails": {"bad name": {}}}, "fail2ban_jails['bad name']: a jail name"),
        ({"fail2ban_jails": {"x": {"port": [1, 2]}}}, "fail2ban_jails['x'].port: give a single value"),
        ({"fail2ban_jails": {"x": {"action": "a\nb"}}}, "fail2ban_jails['x'].action: a value may not span lines"),
        ({"fail2ban_jails": {"x": {"enabled": "yes"}}}, "fail2ban_jails['x'].enabled: give true or false"),
        ({"fail2ban_jails": {"x": "on"}}, "fail2ban_jails['x']: give a mapping"),
        ({"fail2ban_jails": {"x": {"Log Path": "/x"}}}, "fail2ban_jails['x']: 'Log Path' is not a fail2ban setting"),
        ({"fail2ban_jails": ["x"]}, "fail2ban_jails must be a mapping of jail name to settings (found "),
        ({"fail2ban_bantime_factor": True}, "fail2ban_bantime_factor is True: give a whole number of at least 1"),
        ({"fail2ban_webmin_port": "webmin"}, "fail2ban_webmin_port is 'webmin': give a port between 1 and 65535"),
        ({"fail2ban_findtime": 0}, "fail2ban_findtime is 0: give a positive duration"),
    ],
)
def test_fail2ban_bad_settings_are_named(change, named):
    found = problems(**change)
    assert any(named in p for p in found), found


def test_fail2ban_increment_off_skips_its_checks():
    assert problems(fail2ban_bantime_increment=False, fail2ban_dbpurgeage="1d") == []


def test_fail2ban_recidive_and_traefik_off_skip_their_checks():
    assert problems(fail2ban_recidive_enabled=False, fail2ban_recidive_findtime="10m") == []
    assert problems(fail2ban_traefik_enabled=False, fail2ban_banaction="nftables",
                    fail2ban_traefik_access_log="") == []


def test_an_unreadable_duration_is_named_once():
    # Not also "shorter than": a comparison with an unreadable value is skipped.
    assert problems(fail2ban_bantime_maxtime="forever") == [
        "fail2ban_bantime_maxtime is 'forever': give a positive duration in seconds or with a unit "
        "(30s, 10m, 1h, 1d, 1w)"]


@pytest.mark.parametrize(("var", "shape"), [("fail2ban_ignoreip", "addresses or CIDRs"),
                                            ("fail2ban_traefik_ports", "ports")])
def test_a_string_where_a_list_is_expected_is_one_message(var, shape):
    found = problems(**{var: "198.18.0.0/24"})
    assert len(found) == 1 and found[0].startswith(f"{var} must be a list of {shape} (found "), found


@pytest.mark.parametrize(("value", "text"), [(True, "true"), (False, "false"), (3, "3"), ("1h", "1h")])
def test_fail2ban_value(value, text):
    assert fail2ban_value(value) == text


def test_the_filters_are_published():
    assert fail2ban.FilterModule().filters() == {"fail2ban_problems": fail2ban_problems,
                                                 "fail2ban_value": fail2ban_value}
