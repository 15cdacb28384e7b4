"""Readers for the values operators write, shared by every role's checks.

Each returns the value it read, or None when the text is not such a value; the
caller words the message (it knows which variable the operator set).
Extra vars arrive as text, so numbers are read from text too.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re

_WHOLE = re.compile(r"^\s*[+-]?\d+\s*$")
_PORT_RANGE = re.compile(r"^(\d{1,5})(?::(\d{1,5}))?$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# fail2ban's and systemd's duration units, in seconds.
_UNITS = {
    "": 1, "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
    "mo": 2629800, "month": 2629800, "months": 2629800,
    "y": 31557600, "year": 31557600, "years": 31557600,
}
_DURATION_TOKEN = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*")


def whole_number(value) -> int | None:
    """A whole number from an int or its text ("-5" is -5); never from a boolean or a float."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE.match(value):
        return int(value)
    return None


def number(value) -> float | None:
    """A finite real number, from a number or its text; never from a boolean, nan or inf."""
    if isinstance(value, bool):
        return None
    try:
        result = float(value) if isinstance(value, (int, float)) else float(str(value).strip())
    except ValueError:
        return None
    return result if math.isfinite(result) else None


def port(value) -> int | None:
    """A TCP/UDP port, 1-65535."""
    n = whole_number(value)
    return n if n is not None and 1 <= n <= 65535 else None


def port_range(value) -> tuple[int, int] | None:
    """A port or a range low:high, as UFW writes them."""
    m = _PORT_RANGE.match(str(value).strip()) if not isinstance(value, bool) else None
    if not m:
        return None
    low, high = int(m.group(1)), int(m.group(2) or m.group(1))
    return (low, high) if 1 <= low <= high <= 65535 else None


def address(value):
    """An IPv4 or IPv6 address (no prefix)."""
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None


def network(value):
    """An address or a CIDR, as a network (host bits allowed: 198.18.0.1/24)."""
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"[0-9A-Fa-f:./]+", text):
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def duration(value) -> float | None:
    """A positive duration in seconds: a number, or text with units (10m, 1h 30m, 2d)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value > 0 else None
    text = str(value).strip().lower()
    total, pos = 0.0, 0
    while pos < len(text):
        m = _DURATION_TOKEN.match(text, pos)
        if not m or m.group(2) not in _UNITS:
            return None
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return total if total > 0 else None


def fqdn(value) -> bool:
    """A fully qualified, lower-case DNS name: two labels or more, letters, digits, inner hyphens."""
    if not isinstance(value, str) or not value or len(value) > 253 or value != value.lower():
        return False
    labels = value.split(".")
    return len(labels) >= 2 and all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def json_text(value) -> str:
    """A value as a message quotes it: strings in double quotes, like the operator's YAML."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
