"""Make the shared helpers (lab_helpers.py) importable from every scenario's
tests, and name the scenario's hosts for them as fixtures."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lab_helpers import hosts  # noqa: E402


def _named(name: str):
    return {h.backend.get_hostname(): h for h in hosts()}[name]


@pytest.fixture(scope="module")
def server1():
    """Debian 12, group apps."""
    return _named("server1")


@pytest.fixture(scope="module")
def server2():
    """Debian 13, group data."""
    return _named("server2")


@pytest.fixture(scope="module")
def apps():
    """The apps server: the data services' only admitted client."""
    return hosts("apps")[0]


@pytest.fixture(scope="module")
def data():
    """The data server."""
    return hosts("data")[0]


@pytest.fixture(scope="module", params=["server1", "server2"])
def server(request):
    """Each of the two servers in turn (both run the role under test)."""
    return _named(request.param)
