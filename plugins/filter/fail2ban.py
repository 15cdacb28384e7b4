"""Filters for the fail2ban role: check its inputs on the controller (durations,
addresses, jail settings and how they fit together) before anything changes."""

from __future__ import annotations

import re

from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import duration, network, port, whole_number

JAIL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SETTING_NAME = re.compile(r"^[a-z][a-z0-9_.]*$")


def fail2ban_problems(v: dict, managed_jails: list) -> list[str]:
    """Every problem with the role's inputs, each naming the variable to fix."""
    problems = Problems()

    def cfg_get(name):
        return v["fail2ban_" + name]

    durations = {}
    for name in ("bantime", "findtime", "bantime_maxtime", "dbpurgeage", "recidive_bantime", "recidive_findtime"):
        value = cfg_get(name)
        durations[name] = duration(value)
        if durations[name] is None:
            problems.append(
                f"fail2ban_{name} is {value!r}: give a positive duration in seconds or with a unit (30s, 10m, 1h, 1d, 1w)"
            )
    for name in ("maxretry", "sshd_maxretry", "recidive_maxretry", "traefik_maxretry", "webmin_maxretry", "bantime_factor"):
        value = cfg_get(name)
        if whole_number(value) is None or whole_number(value) < 1:
            problems.append(f"fail2ban_{name} is {value!r}: give a whole number of at least 1")
    for name in ("sshd_port", "webmin_port"):
        value = cfg_get(name)
        if port(value) is None:
            problems.append(f"fail2ban_{name} is {value!r}: give a port between 1 and 65535")
    if problems.is_list("fail2ban_traefik_ports", cfg_get("traefik_ports"), "ports"):
        for number in cfg_get("traefik_ports"):
            if port(number) is None:
                problems.append(f"fail2ban_traefik_ports has {number!r}: give ports between 1 and 65535")

    if problems.is_list("fail2ban_ignoreip", cfg_get("ignoreip"), "addresses or CIDRs"):
        for entry in cfg_get("ignoreip"):
            if network(entry) is None:
                problems.append(f"fail2ban_ignoreip has {entry!r}: give an IPv4/IPv6 address or CIDR")

    def longer(a: str, b: str) -> bool:
        return durations[a] is None or durations[b] is None or durations[a] >= durations[b]

    if cfg_get("bantime_increment"):
        if not longer("bantime_maxtime", "bantime"):
            problems.append(
                f"fail2ban_bantime_maxtime ({cfg_get('bantime_maxtime')}) is shorter than fail2ban_bantime "
                f"({cfg_get('bantime')}): the increasing ban time would start above its maximum"
            )
        if not longer("dbpurgeage", "bantime_maxtime"):
            problems.append(
                f"fail2ban_dbpurgeage ({cfg_get('dbpurgeage')}) is shorter than fail2ban_bantime_maxtime "
                f"({cfg_get('bantime_maxtime')}): the database would forget offenders before their longest ban"
            )
    if cfg_get("recidive_enabled") and not longer("recidive_findtime", "bantime"):
        problems.append(
            f"fail2ban_recidive_findtime ({cfg_get('recidive_findtime')}) is shorter than fail2ban_bantime "
            f"({cfg_get('bantime')}): recidive could never see repeated bans"
        )

    if cfg_get("traefik_enabled"):
        if cfg_get("banaction") != "ufw":
            problems.append(
                "fail2ban_traefik_enabled needs fail2ban_banaction: ufw (bans must reach the ports Docker "
                "publishes, which only the ufw role's DOCKER-USER chain covers)"
            )
        if not str(cfg_get("traefik_access_log") or "").startswith("/"):
            problems.append(f"fail2ban_traefik_access_log is {cfg_get('traefik_access_log')!r}: give an absolute path")

    jails = cfg_get("jails")
    if not problems.is_mapping("fail2ban_jails", jails, "jail name to settings"):
        jails = {}
    for name, settings in jails.items():
        where = f"fail2ban_jails[{name!r}]"
        if not JAIL_NAME.match(str(name)):
            problems.append(f"{where}: a jail name has letters, digits, '.', '_' or '-' only")
        if name in managed_jails:
            problems.append(f"{where}: this jail is managed by the role; use its fail2ban_* variables")
        if not isinstance(settings, dict):
            problems.append(f"{where}: give a mapping of fail2ban settings")
            continue
        for key, value in settings.items():
            if not SETTING_NAME.match(str(key)):
                problems.append(f"{where}: {key!r} is not a fail2ban setting name")
            if isinstance(value, (dict, list)):
                problems.append(f"{where}.{key}: give a single value (a string, number or boolean)")
            elif "\n" in str(value):
                problems.append(f"{where}.{key}: a value may not span lines")
        if "enabled" in settings and not isinstance(settings["enabled"], bool):
            problems.append(f"{where}.enabled: give true or false")
    return problems


def fail2ban_value(value) -> str:
    """A setting as fail2ban's configuration reads it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class FilterModule:
    def filters(self):
        return {"fail2ban_problems": fail2ban_problems, "fail2ban_value": fail2ban_value}
