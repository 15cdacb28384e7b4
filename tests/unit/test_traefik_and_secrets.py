"""The traefik role's input checks and dynamic configuration; the project's secret derivation."""

from __future__ import annotations

import bcrypt
import pytest
import tapbot_secrets
import traefik_config
from ansible.errors import AnsibleFilterError

MASTER = "unit-test-master-secret-0123456789"
BASE = {
    "routes": [{"name": "n8n", "host": "n8n.tapbot.kz", "backend": "http://n8n:5678"}],
    "middleware_names": ["security-headers", "rate-limit"],
    "default_middlewares": ["security-headers", "rate-limit"],
    "http_port": 80,
    "https_port": 443,
    "tls_min_version": "VersionTLS12",
    "acme_enabled": True,
    "acme_email": "ops@tapbot.kz",
    "acme_ca_server": "",
    "acme_ca_bundle": "",
    "dashboard_enabled": False,
}


def problems(**changes):
    return traefik_config.traefik_problems({**BASE, **changes})


def test_good_settings_pass():
    assert problems() == []


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ({"name": "a", "host": "a_b.tapbot.kz", "backend": "http://a:1"}, "is not a valid fully qualified host name"),
        ({"name": "a", "host": "localhost", "backend": "http://a:1"}, "is not a valid fully qualified host name"),
        ({"name": "a", "host": "A.tapbot.kz", "backend": "http://a:1"}, "is not a valid fully qualified host name"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "a:1"}, "has no scheme"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "ftp://a:1"}, "has scheme 'ftp'"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "http://a:99999"}, "invalid port"),
        ({"name": "A b", "host": "a.tapbot.kz", "backend": "http://a:1"}, "must be lower-case"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "http://a:1", "middlewares": ["nope"]}, "'nope' is not defined"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "http://a:1", "rule": "x"}, "unknown keys ['rule']"),
    ],
)
def test_bad_routes_are_named(route, expected):
    found = problems(routes=[route])
    assert any(expected in p for p in found), found


def test_duplicate_names_and_hosts_are_refused():
    routes = [
        {"name": "a", "host": "a.tapbot.kz", "backend": "http://a:1"},
        {"name": "a", "host": "b.tapbot.kz", "backend": "http://b:1"},
        {"name": "c", "host": "a.tapbot.kz", "backend": "http://c:1"},
    ]
    found = problems(routes=routes)
    assert any("the route name 'a' is already used by traefik_routes[0]" in p for p in found)
    assert any("host 'a.tapbot.kz' is already served by the route 'a'" in p for p in found)


def test_acme_needs_a_contact_and_an_https_directory():
    assert any("traefik_acme_email" in p for p in problems(acme_email=""))
    assert any("traefik_acme_ca_server" in p for p in problems(acme_ca_server="http://ca/dir"))
    assert problems(acme_enabled=False, acme_email="") == []


def test_dashboard_needs_host_password_and_allow_list():
    found = problems(dashboard_enabled=True, dashboard_host="bad", dashboard_user="admin",
                     dashboard_password="short", dashboard_allowed_sources=["nonsense"])
    assert any("traefik_dashboard_host" in p for p in found)
    assert any("shorter than 16" in p for p in found)
    assert any("'nonsense', which is not an address" in p for p in found)
    assert "short" not in " ".join(found).replace("shorter", "")  # the password itself is never quoted


def test_dashboard_names_are_reserved_when_it_is_on():
    dashboard = {"dashboard_enabled": True, "dashboard_host": "t.tapbot.kz", "dashboard_user": "admin",
                 "dashboard_password": "x" * 20, "dashboard_allowed_sources": ["198.18.0.0/24"]}
    route = [{"name": "dashboard", "host": "d.tapbot.kz", "backend": "http://d:1"}]
    assert any("route named 'dashboard'" in p for p in problems(routes=route, **dashboard))
    names = BASE["middleware_names"] + ["dashboard-auth"]
    assert any("'dashboard-auth', the dashboard's own" in p for p in problems(middleware_names=names, **dashboard))
    assert problems(**dashboard) == []
    assert problems(routes=route) == []


def test_dynamic_config_has_a_router_per_route_with_default_middlewares():
    dynamic = traefik_config.traefik_dynamic({
        **BASE,
        "routes": BASE["routes"] + [{"name": "b", "host": "b.tapbot.kz", "backend": "http://b:1", "middlewares": []}],
        "middlewares": {"security-headers": {"headers": {}}, "rate-limit": {"rateLimit": {}}},
        "cert_resolver": "acme",
        "tls_cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
        "tls_curves": ["X25519"],
    })
    n8n = dynamic["http"]["routers"]["n8n"]
    assert n8n["rule"] == "Host(`n8n.tapbot.kz`)"
    assert n8n["middlewares"] == ["security-headers@file", "rate-limit@file"]
    assert n8n["tls"] == {"certResolver": "acme"}
    assert "middlewares" not in dynamic["http"]["routers"]["b"]
    assert dynamic["http"]["services"]["n8n"]["loadBalancer"]["servers"] == [{"url": "http://n8n:5678"}]
    assert dynamic["tls"]["options"]["default"]["minVersion"] == "VersionTLS12"
    assert "dashboard" not in dynamic["http"]["routers"]


def test_htpasswd_line_is_bcrypt_and_stable():
    line = traefik_config.traefik_htpasswd("a-long-dashboard-password", "admin")
    assert line == traefik_config.traefik_htpasswd("a-long-dashboard-password", "admin")
    user, hashed = line.split(":", 1)
    assert user == "admin" and hashed.startswith("$2b$10$")
    assert bcrypt.checkpw(b"a-long-dashboard-password", hashed.encode())
    assert not bcrypt.checkpw(b"another-password", hashed.encode())


def test_secrets_are_stable_distinct_per_purpose_and_need_a_master():
    a = tapbot_secrets.tapbot_secret(MASTER, "traefik/dashboard")
    assert a == tapbot_secrets.tapbot_secret(MASTER, "traefik/dashboard")
    assert len(a) == 32 and a.replace("-", "").replace("_", "").isalnum()
    assert a != tapbot_secrets.tapbot_secret(MASTER, "postgresql/n8n")
    assert a != tapbot_secrets.tapbot_secret(MASTER + "x", "traefik/dashboard")
    for missing in ("", None, "short"):
        with pytest.raises(AnsibleFilterError, match="tapbot_master_secret is missing"):
            tapbot_secrets.tapbot_secret(missing, "traefik/dashboard")
