"""base_problems: the base role's inputs, each problem naming the variable.

The time zone is checked against the controller's IANA database (Python's
zoneinfo; the `tzdata` package in requirements.txt), the locales against the
list the host can generate (/usr/share/i18n/SUPPORTED, read by the pre-flight),
so neither fails half-way through a run.
"""

from __future__ import annotations

import functools
import re
import zoneinfo

from ansible.errors import AnsibleFilterError
from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import json_text as q
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import whole_number

HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
DOMAIN = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z]{2,63}$")
LOCALE = re.compile(r"^[a-z]{2,3}_[A-Z]{2}(\.[A-Za-z0-9-]+)?(@[a-z]+)?$")
HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
SIZE = re.compile(r"^[0-9]+[KMGT]?$")
TIMESPAN = re.compile(r"^[0-9]+(s|min|h|day|week|month|year)?$")
NTP = re.compile(r"^[A-Za-z0-9.:-]+$")
SYSCTL_KEY = re.compile(r"^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$")


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    zones = frozenset(zoneinfo.available_timezones())
    if not zones:
        raise AnsibleFilterError(
            "no time zone database on the Ansible controller; install the Python package 'tzdata' "
            "(requirements.txt) or the system package tzdata")
    return zones


def known_timezone(name) -> bool:
    return isinstance(name, str) and bool(name) and name in _zones()


def supported_locales(text: str) -> set[str]:
    """Locale names from /usr/share/i18n/SUPPORTED ("en_US.UTF-8 UTF-8" lines)."""
    return {line.split()[0] for line in (text or "").splitlines() if line.strip() and not line.startswith("#")}


def base_problems(v: dict, supported: str = "") -> list[str]:
    p = Problems()
    if not isinstance(v["base_hostname"], str) or not HOSTNAME.match(v["base_hostname"]):
        p.add(f"base_hostname {q(v['base_hostname'])} is not a valid host name (letters, digits, inner hyphens, at most 63)")
    domain = v["base_domain"]
    if domain and (not isinstance(domain, str) or not DOMAIN.match(domain)):
        p.add(f"base_domain {q(domain)} is not a valid DNS domain")
    if not known_timezone(v["base_timezone"]):
        p.add(f"base_timezone {q(v['base_timezone'])} is not a known time zone (expected an IANA name such as Asia/Almaty or UTC)")

    locales = v["base_locales"]
    if p.is_list("base_locales", locales, "locale names such as en_US.UTF-8", empty_ok=False):
        host_has = supported_locales(supported)
        for name in locales:
            if not isinstance(name, str) or not LOCALE.match(name):
                p.add(f"base_locales item {q(name)} is not a locale name like en_US.UTF-8")
            elif host_has and name not in host_has:
                p.add(f"base_locales item {q(name)} is not a locale this host can generate "
                      "(not in its /usr/share/i18n/SUPPORTED; mind the case: en_US.UTF-8)")
        if v["base_locale_default"] not in locales:
            p.add(f"base_locale_default {q(v['base_locale_default'])} is not in base_locales")

    if not HHMM.match(str(v["base_unattended_upgrades_reboot_time"])):
        p.add(f"base_unattended_upgrades_reboot_time {q(v['base_unattended_upgrades_reboot_time'])} is not a time HH:MM")
    if not SIZE.match(str(v["base_journald_system_max_use"])):
        p.add(f"base_journald_system_max_use {q(v['base_journald_system_max_use'])} is not a size such as 512M")
    if not TIMESPAN.match(str(v["base_journald_max_retention"])):
        p.add(f"base_journald_max_retention {q(v['base_journald_max_retention'])} is not a time span such as 1month")
    for var in ("base_ntp_servers", "base_ntp_fallback_servers"):
        if p.is_list(var, v[var], "host names or addresses"):
            for server in v[var]:
                if not NTP.match(str(server)):
                    p.add(f"{var}: NTP server {q(server)} is not a host name or address")
    for var in ("base_sysctl", "base_sysctl_extra"):
        if not p.is_mapping(var, v[var], "kernel parameter: value"):
            continue
        for key, value in v[var].items():
            if not SYSCTL_KEY.match(str(key)):
                p.add(f"{var}: sysctl key {q(key)} is not a kernel parameter name")
            elif re.search(r"[\n=]", str(value)) or not str(value):
                p.add(f"{var}: sysctl {key} has an empty or multi-line value")
    size = whole_number(v["base_swap_file_size_mb"])
    if size is None or size < 0:
        p.add(f"base_swap_file_size_mb {q(v['base_swap_file_size_mb'])} must be 0 (no swap file) or a size in MiB")
    swappiness = whole_number(v["base_swap_swappiness"])
    if swappiness is None or not 0 <= swappiness <= 200:
        p.add(f"base_swap_swappiness {q(v['base_swap_swappiness'])} must be between 0 and 200")
    return p


class FilterModule:
    def filters(self):
        return {"base_problems": base_problems}
