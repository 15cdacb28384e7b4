"""The platform's own filters, shared by every role and playbook.

tapbot_secret: a secret derived from the inventory's master secret, so a server
rebuilt from scratch gets the same credentials. Derivation is
HMAC-SHA256(master, "tapbot/" + purpose); secrets for different purposes are
unrelated, and none reveals the master.

    {{ tapbot_master_secret | tapbot.platform.tapbot_secret('traefik/dashboard') }}

host_address: which address a server has for the other servers.
platform_problems: the platform-wide inputs (tapbot_*).
port_collisions: two services of one host on the same port.
unknown_variables: variables with a role's prefix that the role does not know.
missing_packages: which packages a host lacks, from the package facts the pre-flight reads.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import hmac
import os

from ansible.errors import AnsibleFilterError
from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems
from ansible_collections.tapbot.platform.plugins.plugin_utils.hosts import host_address
from ansible_collections.tapbot.platform.plugins.plugin_utils.roles import role_interface
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import fqdn, network, port
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import json_text as q

MASTER_SECRET_MIN = 16


def tapbot_secret(master, purpose, length=32) -> str:
    """A secret for `purpose`, derived from the master secret: URL-safe letters and digits."""
    if not isinstance(master, str) or len(master) < MASTER_SECRET_MIN:
        raise AnsibleFilterError(
            "tapbot_master_secret is missing or shorter than 16 characters: every derived password "
            "would be empty or weak. Set it in the inventory (ansible-vault in production) and run again.")
    if not isinstance(purpose, str) or not purpose:
        raise AnsibleFilterError("tapbot_secret needs a purpose, such as 'traefik/dashboard'")
    if not isinstance(length, int) or not 16 <= length <= 43:
        raise AnsibleFilterError("tapbot_secret's length must be between 16 and 43 characters")
    digest = hmac.new(master.encode(), ("tapbot/" + purpose).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:length]


def platform_problems(v: dict) -> list[str]:
    """tapbot_master_secret, tapbot_domain, tapbot_address, tapbot_admin_networks."""
    p = Problems()
    secret = v.get("tapbot_master_secret")
    if not isinstance(secret, str) or len(secret) < MASTER_SECRET_MIN:
        p.add("tapbot_master_secret is missing or shorter than 16 characters, and every service password is derived "
              "from it (they would be empty or weak). Set it in the inventory (ansible-vault in production, "
              "inventories/production/group_vars/all/vault.yml)")
    domain = v.get("tapbot_domain")
    if domain is not None and not fqdn(domain):
        p.add(f"tapbot_domain {q(domain)} is not a bare domain name such as tapbot.kz (lower-case, no scheme, path, "
              "port or trailing dot): it becomes the ACME contact and every route's host")
    address = v.get("tapbot_address")
    if address not in (None, "") and (network(address) is None or "/" in str(address)):
        p.add(f"tapbot_address {q(address)} is not an IP address (the address the other servers reach this one at)")
    nets = v.get("tapbot_admin_networks")
    if nets is not None and p.is_list("tapbot_admin_networks", nets, "addresses or CIDRs"):
        for net in nets:
            if network(net) is None:
                p.add(f"tapbot_admin_networks has {q(net)}, which is not an address or CIDR")
            elif network(net).prefixlen == 0:
                p.add(f"tapbot_admin_networks has {net}, which is every address: fail2ban would ban nobody")
    return p


def port_collisions(port_maps: list) -> list[str]:
    """Two services of one host on the same port, named by the variables that set them.

    port_maps: what each role this host gets listens on ({variable: port}, its exports' ports)."""
    problems = []
    seen: dict[int, str] = {}
    for ports in port_maps:
        for variable, value in (ports or {}).items():
            number = port(value)
            if number is None:
                continue  # the role's own check names it
            if number in seen:
                problems.append(f"{variable} is {number}, the port {seen[number]} already takes on this host: "
                                "give one of them another port")
            else:
                seen[number] = variable
    return problems


def unknown_variables(names, role_path: str) -> list[str]:
    """Variables that carry the role's prefix but are none of its inputs (a typo
    would silently leave the default in place), each with the closest real name."""
    role = os.path.basename(os.path.normpath(role_path))
    known = role_interface(role_path)
    problems = []
    for name in sorted(set(names) - known):
        if not name.startswith(role + "_"):
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(f"{name} is set but the {role} role has no such variable{hint}: it would be ignored; "
                        f"see roles/{role}/README.md")
    return problems


def missing_packages(wanted, installed) -> list:
    """The packages of `wanted` that the host's package facts do not list. Without
    facts (none gathered) every package counts as missing, so apt is asked."""
    names = [wanted] if isinstance(wanted, str) else list(wanted or [])
    if not isinstance(installed, dict):
        return names
    return [name for name in names if name not in installed]


class FilterModule:
    def filters(self):
        return {
            "tapbot_secret": tapbot_secret,
            "host_address": host_address,
            "platform_problems": platform_problems,
            "port_collisions": port_collisions,
            "unknown_variables": unknown_variables,
            "missing_packages": missing_packages,
        }
