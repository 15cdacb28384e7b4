"""filter.traefik: the role's input checks, dynamic configuration and basic-auth line."""

from __future__ import annotations

import bcrypt
import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.tapbot.platform.plugins.filter import traefik
from ansible_collections.tapbot.platform.plugins.filter.traefik import (traefik_dynamic, traefik_htpasswd,
                                                                       traefik_problems)

MIDDLEWARES = ["security-headers", "rate-limit"]
BASE = {
    "traefik_routes": [{"name": "n8n", "host": "n8n.tapbot.kz", "backend": "http://n8n:5678"}],
    "traefik_default_middlewares": ["security-headers", "rate-limit"],
    "traefik_http_port": 80,
    "traefik_https_port": 443,
    "traefik_tls_min_version": "VersionTLS12",
    "traefik_acme_enabled": True,
    "traefik_acme_email": "ops@tapbot.kz",
    "traefik_acme_ca_server": "",
    "traefik_acme_ca_bundle": "",
    "traefik_dashboard_enabled": False,
    "traefik_dashboard_host": "",
    "traefik_dashboard_user": "admin",
    "traefik_dashboard_password": "",
    "traefik_dashboard_allowed_sources": [],
}
DASHBOARD = {"traefik_dashboard_enabled": True, "traefik_dashboard_host": "t.tapbot.kz",
             "traefik_dashboard_user": "admin", "traefik_dashboard_password": "x" * 20,
             "traefik_dashboard_allowed_sources": ["198.18.0.0/24"]}


def problems(middleware_names=None, **changes):
    return traefik_problems({**BASE, **changes}, MIDDLEWARES if middleware_names is None else middleware_names)


def test_good_settings_pass():
    assert problems() == []
    assert problems(traefik_http_port="8080", traefik_https_port="8443", traefik_tls_min_version="VersionTLS13",
                    traefik_acme_ca_server="https://ca.lab:9000/acme/acme/directory",
                    traefik_acme_ca_bundle="-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n") == []


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ({"name": "a", "host": "a_b.tapbot.kz", "backend": "http://a:1"}, "is not a valid fully qualified host name"),
        ({"name": "a", "host": "localhost", "backend": "http://a:1"}, "is not a valid fully qualified host name"),
        ({"name": "a", "host": "A.tapbot.kz", "backend": "http://a:1"}, "is not a valid fully qualified host name"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "a:1"}, "has no scheme"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "ftp://a:1"}, "has scheme 'ftp'"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "http://a:99999"}, "invalid port"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "http://a:0"}, "invalid port"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "http://:80"}, "names no host"),
        ({"name": "A b", "host": "a.tapbot.kz", "backend": "http://a:1"}, "must be lower-case"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "http://a:1", "middlewares": ["nope"]},
         "middleware 'nope' is not declared in traefik_middlewares"),
        ({"name": "a", "host": "a.tapbot.kz", "backend": "http://a:1", "middlewares": "rate-limit"},
         "traefik_routes[0] (a): middlewares must be a list of names (found text)"),
    ],
)
def test_bad_routes_are_named(route, expected):
    found = problems(traefik_routes=[route])
    assert any(expected in p for p in found), found


def test_duplicate_names_and_hosts_are_refused():
    routes = [
        {"name": "a", "host": "a.tapbot.kz", "backend": "http://a:1"},
        {"name": "a", "host": "b.tapbot.kz", "backend": "http://b:1"},
        {"name": "c", "host": "a.tapbot.kz", "backend": "http://c:1"},
    ]
    found = problems(traefik_routes=routes)
    assert any("the route name 'a' is already used by traefik_routes[0]" in p for p in found)
    assert any("host 'a.tapbot.kz' is already used by traefik_routes[0] (a)" in p for p in found)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"traefik_default_middlewares": ["nope"]}, "traefik_default_middlewares: middleware 'nope' is not declared"),
        ({"traefik_http_port": 0}, "traefik_http_port is 0: give a port number"),
        ({"traefik_https_port": "https"}, "traefik_https_port is 'https': give a port number"),
        ({"traefik_https_port": 80}, "traefik_http_port and traefik_https_port must differ"),
        ({"traefik_acme_ca_bundle": "not a certificate"}, "traefik_acme_ca_bundle is not PEM"),
    ],
)
def test_bad_settings_are_named(changes, expected):
    found = problems(**changes)
    assert any(expected in p for p in found), found


def test_acme_needs_a_contact_and_an_https_directory():
    assert any("traefik_acme_email" in p for p in problems(traefik_acme_email=""))
    assert any("traefik_acme_ca_server" in p for p in problems(traefik_acme_ca_server="http://ca/dir"))
    assert problems(traefik_acme_enabled=False, traefik_acme_email="") == []


def test_dashboard_needs_host_password_and_allow_list():
    found = problems(traefik_dashboard_enabled=True, traefik_dashboard_host="bad", traefik_dashboard_user="admin",
                     traefik_dashboard_password="short", traefik_dashboard_allowed_sources=["nonsense"])
    assert any("traefik_dashboard_host" in p for p in found)
    assert any("shorter than 16" in p for p in found)
    assert any("'nonsense', which is not an address" in p for p in found)
    assert "short" not in " ".join(found).replace("shorter", "")  # the password itself is never quoted


def test_dashboard_user_host_and_empty_allow_list():
    found = problems(**{**DASHBOARD, "traefik_dashboard_user": "ad min", "traefik_dashboard_host": "n8n.tapbot.kz",
                        "traefik_dashboard_allowed_sources": []})
    assert "traefik_dashboard_user must be a plain user name (letters, digits, . _ -)" in found
    assert "traefik_dashboard_host 'n8n.tapbot.kz' is already served by traefik_routes[0] (n8n)" in found
    assert "traefik_dashboard_allowed_sources is empty: the dashboard needs an allow list of CIDRs" in found


def test_dashboard_names_are_reserved_when_it_is_on():
    route = [{"name": "dashboard", "host": "d.tapbot.kz", "backend": "http://d:1"}]
    assert any("route named 'dashboard'" in p for p in problems(traefik_routes=route, **DASHBOARD))
    names = MIDDLEWARES + ["dashboard-auth"]
    assert any("'dashboard-auth', the dashboard's own" in p for p in problems(middleware_names=names, **DASHBOARD))
    assert problems(**DASHBOARD) == []
    assert problems(traefik_routes=route) == []
    assert problems(middleware_names=names) == []


def test_a_string_where_a_list_is_expected_is_one_message():
    found = problems(traefik_routes="x")
    assert len(found) == 1
    assert found[0].startswith("traefik_routes must be a list of {name, host, backend, middlewares} (found "), found


def test_default_middlewares_as_a_string_is_one_message():
    found = problems(traefik_default_middlewares="security-headers")
    assert len(found) == 1
    assert found[0].startswith("traefik_default_middlewares: middlewares must be a list of names (found "), found


def test_dynamic_config_has_a_router_per_route_with_default_middlewares():
    dynamic = traefik_dynamic({
        "routes": BASE["traefik_routes"] + [{"name": "b", "host": "b.tapbot.kz", "backend": "http://b:1",
                                             "middlewares": []}],
        "default_middlewares": BASE["traefik_default_middlewares"],
        "middlewares": {"security-headers": {"headers": {}}, "rate-limit": {"rateLimit": {}}},
        "cert_resolver": "acme",
        "tls_min_version": "VersionTLS12",
        "tls_cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
        "tls_curves": ["X25519"],
        "dashboard_enabled": False,
    })
    n8n = dynamic["http"]["routers"]["n8n"]
    assert n8n["rule"] == "Host(`n8n.tapbot.kz`)"
    assert n8n["middlewares"] == ["security-headers@file", "rate-limit@file"]
    assert n8n["tls"] == {"certResolver": "acme"}
    assert "middlewares" not in dynamic["http"]["routers"]["b"]
    assert dynamic["http"]["services"]["n8n"]["loadBalancer"]["servers"] == [{"url": "http://n8n:5678"}]
    assert dynamic["tls"]["options"]["default"]["minVersion"] == "VersionTLS12"
    assert dynamic["tls"]["options"]["default"]["cipherSuites"] == ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
    assert dynamic["tls"]["options"]["default"]["curvePreferences"] == ["X25519"]
    assert "dashboard" not in dynamic["http"]["routers"]


def test_dynamic_config_dashboard_and_tls13():
    dynamic = traefik_dynamic({
        "routes": [], "default_middlewares": ["security-headers"], "middlewares": {}, "cert_resolver": "",
        "tls_min_version": "VersionTLS13", "tls_cipher_suites": ["X"], "dashboard_enabled": True,
        "dashboard_host": "t.tapbot.kz", "dashboard_allowed_sources": ["198.18.0.0/24"],
        "dashboard_htpasswd": "admin:$2b$10$x",
    })
    dashboard = dynamic["http"]["routers"]["dashboard"]
    assert dashboard["service"] == "api@internal" and dashboard["tls"] == {}
    assert dashboard["middlewares"] == ["dashboard-allow@file", "dashboard-auth@file", "security-headers@file"]
    assert dynamic["http"]["middlewares"]["dashboard-allow"] == {"ipAllowList": {"sourceRange": ["198.18.0.0/24"]}}
    assert dynamic["http"]["middlewares"]["dashboard-auth"]["basicAuth"]["users"] == ["admin:$2b$10$x"]
    assert "cipherSuites" not in dynamic["tls"]["options"]["default"]  # TLS 1.3 suites are not configurable


def test_htpasswd_line_is_bcrypt_and_stable():
    line = traefik_htpasswd("a-long-dashboard-password", "admin")
    assert line == traefik_htpasswd("a-long-dashboard-password", "admin")
    user, hashed = line.split(":", 1)
    assert user == "admin" and hashed.startswith("$2b$10$")
    assert bcrypt.checkpw(b"a-long-dashboard-password", hashed.encode())
    assert not bcrypt.checkpw(b"another-password", hashed.encode())
    assert traefik_htpasswd("a-long-dashboard-password", "other").split(":", 1)[1] != hashed


@pytest.mark.parametrize("password", ["", None])
def test_htpasswd_refuses_an_empty_password(password):
    with pytest.raises(AnsibleFilterError, match="empty password"):
        traefik_htpasswd(password, "admin")


def test_the_filters_are_published():
    assert traefik.FilterModule().filters() == {"traefik_problems": traefik_problems,
                                                "traefik_dynamic": traefik_dynamic,
                                                "traefik_htpasswd": traefik_htpasswd}
