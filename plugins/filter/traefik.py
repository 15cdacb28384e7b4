"""Filters for the traefik role.

traefik_problems: every problem with the role's inputs, checked on the controller
before anything changes, each naming the variable to fix.
traefik_htpasswd: a basic-auth line (bcrypt) that is the same on every run.
traefik_dynamic: the file provider's dynamic configuration (routers, services,
middlewares, TLS options) built from the role's variables.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import urlparse

from ansible.errors import AnsibleFilterError
from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import fqdn as valid_hostname
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import network, port

NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# bcrypt's own base64 alphabet (used for its 22-character salt).
_BCRYPT_B64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_STD_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _backend_problem(url) -> str | None:
    if not isinstance(url, str) or "://" not in url:
        return "has no scheme: give it as http://name:port or https://name:port"
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        return f"has scheme {parsed.scheme!r}: use http or https"
    try:
        port = parsed.port
    except ValueError:
        return "has an invalid port"
    if not parsed.hostname:
        return "names no host"
    if port is not None and not 0 < port < 65536:
        return "has an invalid port"
    return None


def traefik_problems(v: dict, middleware_names) -> list[str]:
    """Every problem with the role's inputs, each naming the variable to fix.
    middleware_names: the middlewares defined (the role's own and traefik_middlewares)."""
    problems = Problems()
    middlewares = set(middleware_names or [])

    def cfg_get(name):
        return v["traefik_" + name]

    routes = cfg_get("routes")
    defined = f"traefik_middlewares or the role's own ({', '.join(sorted(middlewares))})"
    seen_names: dict[str, str] = {}
    seen_hosts: dict[str, str] = {}
    for where, route in problems.entries("traefik_routes", routes, "{name, host, backend, middlewares}"):
        name = route.get("name")
        problems.unique_name(where, name, NAME, f"name {name!r} must be lower-case letters, digits and hyphens",
                             seen_names, "the route name")
        host = route.get("host")
        if not valid_hostname(host):
            problems.append(f"{where}: host {host!r} is not a valid fully qualified host name (such as n8n.tapbot.kz)")
        else:
            problems.first_use(where, host, seen_hosts, "host")
        backend_problem = _backend_problem(route.get("backend"))
        if backend_problem:
            problems.append(f"{where}: backend {route.get('backend')!r} {backend_problem}")
        problems.declared(where, route.get("middlewares", []), "middleware", middlewares, defined)

    defaults = cfg_get("default_middlewares")
    problems.declared("traefik_default_middlewares", defaults, "middleware", middlewares, defined)

    ports = {}
    for key in ("http_port", "https_port"):
        value = cfg_get(key)
        if port(value) is None:
            problems.append(f"traefik_{key} is {value!r}: give a port number")
        ports[key] = port(value)
    if ports["http_port"] is not None and ports["http_port"] == ports["https_port"]:
        problems.append("traefik_http_port and traefik_https_port must differ")


    if cfg_get("acme_enabled"):
        if not EMAIL.match(str(cfg_get("acme_email") or "")):
            problems.append(
                f"traefik_acme_email is {cfg_get('acme_email')!r}: ACME needs a contact address such as ops@tapbot.kz"
            )
        server = str(cfg_get("acme_ca_server") or "")
        if server and (urlparse(server).scheme != "https" or not urlparse(server).hostname):
            problems.append(f"traefik_acme_ca_server is {server!r}: give the CA's https:// directory URL")
        bundle = str(cfg_get("acme_ca_bundle") or "")
        if bundle and "-----BEGIN CERTIFICATE-----" not in bundle:
            problems.append("traefik_acme_ca_bundle is not PEM: give the CA certificates' text (-----BEGIN CERTIFICATE-----)")

    if cfg_get("dashboard_enabled"):
        # The dashboard's own router and middlewares (traefik_dynamic) would
        # silently replace a route or middleware of the same name.
        if "dashboard" in seen_names:
            problems.append("traefik_routes has a route named 'dashboard', the name of the dashboard's router: rename it")
        for m in sorted(middlewares & {"dashboard-auth", "dashboard-allow"}):
            problems.append(f"traefik_middlewares defines {m!r}, the dashboard's own middleware: rename it")
        host = cfg_get("dashboard_host")
        if not valid_hostname(host):
            problems.append(f"traefik_dashboard_host {host!r} is not a valid fully qualified host name")
        elif host in seen_hosts:
            problems.append(f"traefik_dashboard_host {host!r} is already served by {seen_hosts[host]}")
        if not re.match(r"^[A-Za-z0-9._-]+$", str(cfg_get("dashboard_user") or "")):
            problems.append("traefik_dashboard_user must be a plain user name (letters, digits, . _ -)")
        if len(str(cfg_get("dashboard_password") or "")) < 16:
            problems.append(
                "traefik_dashboard_password is empty or shorter than 16 characters "
                "(the group_vars derive it from tapbot_master_secret: is that set?)"
            )
        sources = cfg_get("dashboard_allowed_sources")
        if not isinstance(sources, list) or not sources:
            problems.append("traefik_dashboard_allowed_sources is empty: the dashboard needs an allow list of CIDRs")
        else:
            for s in sources:
                if network(s) is None:
                    problems.append(f"traefik_dashboard_allowed_sources has {s!r}, which is not an address or CIDR")
    return problems


def traefik_dynamic(cfg: dict) -> dict:
    """The file provider's configuration: one router and one service per route."""
    resolver = cfg.get("cert_resolver") or ""
    tls = {"certResolver": resolver} if resolver else {}
    routers: dict = {}
    services: dict = {}
    for route in cfg.get("routes") or []:
        chosen = route.get("middlewares", cfg.get("default_middlewares") or [])
        router = {
            "rule": f"Host(`{route['host']}`)",
            "entryPoints": ["websecure"],
            "service": route["name"],
            "tls": tls,
        }
        if chosen:
            router["middlewares"] = [f"{m}@file" for m in chosen]
        routers[route["name"]] = router
        services[route["name"]] = {
            "loadBalancer": {"servers": [{"url": route["backend"]}], "passHostHeader": True}
        }
    middlewares = dict(cfg.get("middlewares") or {})
    if cfg.get("dashboard_enabled"):
        middlewares["dashboard-auth"] = {"basicAuth": {"users": [cfg["dashboard_htpasswd"]], "removeHeader": True}}
        middlewares["dashboard-allow"] = {"ipAllowList": {"sourceRange": list(cfg["dashboard_allowed_sources"])}}
        routers["dashboard"] = {
            "rule": f"Host(`{cfg['dashboard_host']}`)",
            "entryPoints": ["websecure"],
            "service": "api@internal",
            # The allow list first: a refused source never reaches the password check.
            "middlewares": ["dashboard-allow@file", "dashboard-auth@file"]
            + [f"{m}@file" for m in cfg.get("default_middlewares") or []],
            "tls": tls,
        }
    tls_options = {"minVersion": cfg["tls_min_version"], "sniStrict": False}
    if cfg["tls_min_version"] == "VersionTLS12" and cfg.get("tls_cipher_suites"):
        tls_options["cipherSuites"] = list(cfg["tls_cipher_suites"])
    if cfg.get("tls_curves"):
        tls_options["curvePreferences"] = list(cfg["tls_curves"])
    dynamic: dict = {"tls": {"options": {"default": tls_options}}}
    http: dict = {}
    if routers:
        http["routers"] = routers
    if services:
        http["services"] = services
    if middlewares:
        http["middlewares"] = middlewares
    if http:
        dynamic["http"] = http
    return dynamic


def traefik_htpasswd(password, user, rounds=10) -> str:
    """An htpasswd line (bcrypt) whose salt is derived from the password and user, so re-runs write the same line."""
    try:
        import bcrypt
    except ImportError as exc:  # pragma: no cover - requirements.txt installs it
        raise AnsibleFilterError("traefik_htpasswd needs the Python package bcrypt on the controller") from exc
    if not isinstance(password, str) or not password:
        raise AnsibleFilterError("traefik_htpasswd was given an empty password")
    raw = hmac.new(password.encode(), ("htpasswd/" + str(user)).encode(), hashlib.sha256).digest()[:16]
    salt = base64.b64encode(raw).decode().rstrip("=").translate(str.maketrans(_STD_B64, _BCRYPT_B64))[:22]
    hashed = bcrypt.hashpw(password.encode(), f"$2b${int(rounds):02d}${salt}".encode()).decode()
    return f"{user}:{hashed}"


class FilterModule:
    def filters(self):
        return {"traefik_problems": traefik_problems, "traefik_dynamic": traefik_dynamic, "traefik_htpasswd": traefik_htpasswd}
