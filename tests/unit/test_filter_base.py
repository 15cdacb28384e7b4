"""filter.base: base_problems, the time zone and locale checks."""

from __future__ import annotations

import pytest
from ansible_collections.tapbot.platform.plugins.filter import base
from ansible_collections.tapbot.platform.plugins.filter.base import base_problems, known_timezone, supported_locales

OK = {
    "base_hostname": "server1", "base_domain": "", "base_timezone": "Asia/Almaty", "base_locales": ["en_US.UTF-8"],
    "base_locale_default": "en_US.UTF-8", "base_unattended_upgrades_reboot_time": "04:30",
    "base_journald_system_max_use": "512M", "base_journald_max_retention": "1month",
    "base_ntp_servers": ["0.debian.pool.ntp.org", "198.18.0.1"], "base_ntp_fallback_servers": ["time.cloudflare.com"],
    "base_sysctl": {"kernel.dmesg_restrict": 1, "net.ipv4.conf.all.rp_filter": 2},
    "base_sysctl_extra": {}, "base_swap_file_size_mb": 0, "base_swap_swappiness": 10,
}
SUPPORTED = "# comment\nen_US.UTF-8 UTF-8\nru_RU.UTF-8 UTF-8\nkk_KZ.UTF-8 UTF-8\nen_US ISO-8859-1\n\n"


def problems(supported="", **changes):
    return base_problems({**OK, **changes}, supported)


def test_good_inputs_pass():
    assert problems() == []
    assert problems(SUPPORTED) == []
    # Extra vars arrive as text.
    assert problems(base_swap_file_size_mb="2048", base_swap_swappiness="60", base_domain="tapbot.kz") == []


@pytest.mark.parametrize("name", ["Asia/Almaty", "UTC", "Europe/Moscow", "Asia/Qostanay"])
def test_known_time_zones(name):
    assert known_timezone(name)
    assert problems(base_timezone=name) == []


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", None, "asia/almaty", "../etc/passwd"])
def test_unknown_time_zones(name):
    assert not known_timezone(name)
    found = problems(base_timezone=name)
    assert len(found) == 1 and found[0].startswith("base_timezone ")
    assert "is not a known time zone (expected an IANA name such as Asia/Almaty or UTC)" in found[0]


def test_no_time_zone_database_is_named(monkeypatch):
    monkeypatch.setattr(base.zoneinfo, "available_timezones", lambda: set())
    base._zones.cache_clear()
    try:
        with pytest.raises(base.AnsibleFilterError, match="install the Python package 'tzdata'"):
            known_timezone("UTC")
    finally:
        monkeypatch.undo()
        base._zones.cache_clear()
    assert known_timezone("UTC")


def test_supported_locales_reads_the_first_column():
    assert supported_locales(SUPPORTED) == {"en_US.UTF-8", "ru_RU.UTF-8", "kk_KZ.UTF-8", "en_US"}
    assert supported_locales("") == set() and supported_locales(None) == set()


def test_a_locale_the_host_cannot_generate_is_named():
    found = problems(SUPPORTED, base_locales=["en_US.UTF-8", "de_DE.UTF-8"])
    assert found == ['base_locales item "de_DE.UTF-8" is not a locale this host can generate '
                     "(not in its /usr/share/i18n/SUPPORTED; mind the case: en_US.UTF-8)"]
    # The case matters to locale-gen.
    assert "is not a locale this host can generate" in problems(SUPPORTED, base_locales=["en_US.utf-8"],
                                                                base_locale_default="en_US.utf-8")[0]
    # Without the host's list (a bare host without the locales package) only the shape is checked.
    assert problems(base_locales=["en_US.UTF-8", "de_DE.UTF-8"]) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"base_hostname": "server_1"}, 'base_hostname "server_1" is not a valid host name'),
        ({"base_hostname": "-server"}, 'base_hostname "-server" is not a valid host name'),
        ({"base_hostname": "a" * 64}, "is not a valid host name"),
        ({"base_hostname": "server1.tapbot.kz"}, "is not a valid host name"),
        ({"base_hostname": 1}, "base_hostname 1 is not a valid host name"),
        ({"base_domain": "tapbot.kz."}, 'base_domain "tapbot.kz." is not a valid DNS domain'),
        ({"base_domain": "https://tapbot.kz"}, "is not a valid DNS domain"),
        ({"base_locales": ["en_US.UTF-8", "english"]},
         'base_locales item "english" is not a locale name like en_US.UTF-8'),
        ({"base_locales": []}, "base_locales must be a non-empty list of locale names such as en_US.UTF-8 "
                               "(found an empty list)"),
        ({"base_locale_default": "ru_RU.UTF-8"}, 'base_locale_default "ru_RU.UTF-8" is not in base_locales'),
        ({"base_unattended_upgrades_reboot_time": "25:00"},
         'base_unattended_upgrades_reboot_time "25:00" is not a time'),
        ({"base_unattended_upgrades_reboot_time": "4:30"}, "is not a time HH:MM"),
        ({"base_journald_system_max_use": "512MB"}, 'base_journald_system_max_use "512MB" is not a size such as 512M'),
        ({"base_journald_max_retention": "1 month"}, 'base_journald_max_retention "1 month" is not a time span'),
        ({"base_ntp_servers": ["pool ntp org"]}, 'base_ntp_servers: NTP server "pool ntp org" is not a host name'),
        ({"base_ntp_fallback_servers": ["a;b"]}, 'base_ntp_fallback_servers: NTP server "a;b" is not a host name'),
        ({"base_sysctl": {"kernel": 1}}, 'base_sysctl: sysctl key "kernel" is not a kernel parameter name'),
        ({"base_sysctl_extra": {"vm.swappiness": "1\n2"}}, "base_sysctl_extra: sysctl vm.swappiness has an empty or "
                                                            "multi-line value"),
        ({"base_sysctl_extra": {"vm.swappiness": "a=b"}}, "has an empty or multi-line value"),
        ({"base_sysctl_extra": {"vm.swappiness": ""}}, "has an empty or multi-line value"),
        ({"base_sysctl": ["kernel.sysrq=0"]}, "base_sysctl must be a mapping of kernel parameter: value (found "),
        ({"base_swap_file_size_mb": -1}, "base_swap_file_size_mb -1 must be 0 (no swap file) or a size in MiB"),
        ({"base_swap_file_size_mb": "2G"}, 'base_swap_file_size_mb "2G" must be 0'),
        ({"base_swap_file_size_mb": True}, "base_swap_file_size_mb true must be 0"),
        ({"base_swap_swappiness": 201}, "base_swap_swappiness 201 must be between 0 and 200"),
        ({"base_swap_swappiness": "-5"}, 'base_swap_swappiness "-5" must be between 0 and 200'),
    ],
)
def test_bad_inputs_are_named(changes, expected):
    found = problems(**changes)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    ("var", "value", "shape"),
    [("base_locales", "en_US.UTF-8", "non-empty list of locale names such as en_US.UTF-8"),
     ("base_ntp_servers", "0.debian.pool.ntp.org", "list of host names or addresses"),
     ("base_ntp_fallback_servers", "time.cloudflare.com", "list of host names or addresses")],
)
def test_a_string_where_a_list_is_expected_is_one_message(var, value, shape):
    changes = {var: value}
    if var == "base_locales":
        changes["base_locale_default"] = value
    found = problems(SUPPORTED, **changes)
    assert len(found) == 1 and found[0].startswith(f"{var} must be a {shape} (found "), found


def test_sysctl_as_text_is_one_message():
    found = problems(base_sysctl_extra="vm.swappiness=10")
    assert len(found) == 1
    assert found[0].startswith("base_sysctl_extra must be a mapping of kernel parameter: value (found "), found


def test_the_filter_is_published():
    assert base.FilterModule().filters() == {"base_problems": base_problems}
