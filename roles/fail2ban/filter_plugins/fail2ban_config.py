"""Filters for the fail2ban role: check its inputs on the controller (durations,
addresses, jail settings and how they fit together) before anything changes."""

from __future__ import annotations

import ipaddress
import re

# fail2ban's time units (fail2ban.strptime / MyTime.str2seconds), in seconds.
UNITS = {
    "": 1, "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
    "mo": 2629800, "month": 2629800, "months": 2629800,
    "y": 31557600, "year": 31557600, "years": 31557600,
}
_TOKEN = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*")
JAIL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SETTING_NAME = re.compile(r"^[a-z][a-z0-9_.]*$")


def seconds(value) -> float | None:
    """A fail2ban duration in seconds; None when fail2ban would not read it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value > 0 else None
    text = str(value).strip().lower()
    if not text:
        return None
    total, pos = 0.0, 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.group(2) not in UNITS:
            return None
        total += float(m.group(1)) * UNITS[m.group(2)]
        pos = m.end()
    return total if total > 0 else None


def _int(value) -> int | None:
    """A whole number, also from text (extra vars arrive as strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _address_ok(text) -> bool:
    try:
        ipaddress.ip_network(str(text).strip(), strict=False)
        return True
    except ValueError:
        return False


def fail2ban_problems(cfg: dict, managed_jails: list) -> list[str]:
    """Every problem with the role's inputs, each naming the variable to fix."""
    problems: list[str] = []
    durations = {}
    for name in ("bantime", "findtime", "bantime_maxtime", "dbpurgeage", "recidive_bantime", "recidive_findtime"):
        value = cfg.get(name)
        durations[name] = seconds(value)
        if durations[name] is None:
            problems.append(
                f"fail2ban_{name} is {value!r}: give a positive duration in seconds or with a unit (30s, 10m, 1h, 1d, 1w)"
            )
    for name in ("maxretry", "sshd_maxretry", "recidive_maxretry", "traefik_maxretry", "webmin_maxretry", "bantime_factor"):
        value = cfg.get(name)
        if _int(value) is None or _int(value) < 1:
            problems.append(f"fail2ban_{name} is {value!r}: give a whole number of at least 1")
    for name in ("sshd_port", "webmin_port"):
        value = cfg.get(name)
        if _int(value) is None or not 1 <= _int(value) <= 65535:
            problems.append(f"fail2ban_{name} is {value!r}: give a port between 1 and 65535")
    for port in cfg.get("traefik_ports") or []:
        if _int(port) is None or not 1 <= _int(port) <= 65535:
            problems.append(f"fail2ban_traefik_ports has {port!r}: give ports between 1 and 65535")

    for entry in cfg.get("ignoreip") or []:
        if not _address_ok(entry):
            problems.append(f"fail2ban_ignoreip has {entry!r}: give an IPv4/IPv6 address or CIDR")

    def longer(a: str, b: str) -> bool:
        return durations[a] is None or durations[b] is None or durations[a] >= durations[b]

    if cfg.get("bantime_increment"):
        if not longer("bantime_maxtime", "bantime"):
            problems.append(
                f"fail2ban_bantime_maxtime ({cfg.get('bantime_maxtime')}) is shorter than fail2ban_bantime "
                f"({cfg.get('bantime')}): the increasing ban time would start above its maximum"
            )
        if not longer("dbpurgeage", "bantime_maxtime"):
            problems.append(
                f"fail2ban_dbpurgeage ({cfg.get('dbpurgeage')}) is shorter than fail2ban_bantime_maxtime "
                f"({cfg.get('bantime_maxtime')}): the database would forget offenders before their longest ban"
            )
    if cfg.get("recidive_enabled") and not longer("recidive_findtime", "bantime"):
        problems.append(
            f"fail2ban_recidive_findtime ({cfg.get('recidive_findtime')}) is shorter than fail2ban_bantime "
            f"({cfg.get('bantime')}): recidive could never see repeated bans"
        )

    if cfg.get("traefik_enabled"):
        if cfg.get("banaction") != "ufw":
            problems.append(
                "fail2ban_traefik_enabled needs fail2ban_banaction: ufw (bans must reach the ports Docker "
                "publishes, which only the ufw role's DOCKER-USER chain covers)"
            )
        if not str(cfg.get("traefik_access_log") or "").startswith("/"):
            problems.append(f"fail2ban_traefik_access_log is {cfg.get('traefik_access_log')!r}: give an absolute path")

    jails = cfg.get("jails")
    if not isinstance(jails, dict):
        problems.append("fail2ban_jails must be a mapping of jail name to settings")
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
