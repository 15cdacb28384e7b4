"""Jinja test `base_known_timezone`: is a name in the IANA time zone database?

Checked on the controller, before any host is touched, against Python's
zoneinfo (the system's database, or the `tzdata` package from requirements.txt).
"""

from __future__ import annotations

import functools
import zoneinfo


@functools.lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def known_timezone(name: object) -> bool:
    if not isinstance(name, str) or not name:
        return False
    known = _known()
    if not known:  # no database on the controller at all: say so rather than guess
        raise RuntimeError(
            "no time zone database on the Ansible controller; install the Python "
            "package 'tzdata' (requirements.txt) or the system package tzdata"
        )
    return name in known


class TestModule:
    def tests(self):
        return {"base_known_timezone": known_timezone}
