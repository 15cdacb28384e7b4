"""ssh_hardening_problems: the role's inputs and the SSH lockout guard.

The guard refuses a configuration after which nobody could log in: no admin
with a key, Ansible's own login account without a key, or a firewall (the
rules UFW will hold, handed over as ssh_hardening_firewall_rules) that does not
admit the port sshd is about to listen on.
"""

from __future__ import annotations

import re

from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems
from ansible_collections.tapbot.platform.plugins.plugin_utils.firewall import rule_admits
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import json_text as q
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import network, port, whole_number
from ansible_collections.tapbot.platform.plugins.filter.users import present

SSH_CONNECTIONS = ("ssh", "ansible.builtin.ssh", "paramiko", "ansible.builtin.paramiko_ssh")
OPTION = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def admits(rule: dict, tcp_port: int) -> bool:
    """Does a firewall rule (the ufw role's shape) let TCP traffic reach the port?"""
    return rule_admits(rule, tcp_port, "tcp")


def ssh_hardening_problems(v: dict) -> list[str]:
    p = Problems()
    ssh_port = port(v["ssh_hardening_port"])
    if ssh_port is None:
        p.add(f"ssh_hardening_port {q(v['ssh_hardening_port'])} is not a TCP port (1-65535)")
    if p.is_list("ssh_hardening_allow_groups", v["ssh_hardening_allow_groups"], "group names") \
            and not v["ssh_hardening_allow_groups"]:
        p.add("ssh_hardening_allow_groups is empty: nobody could log in")

    admins = v["ssh_hardening_admins"]
    if p.is_list("ssh_hardening_admins", admins, "{name, ssh_keys}"):
        with_keys = [a for a in present(admins) if a.get("ssh_keys")]
        if not with_keys:
            p.add("lockout guard: no admin in this play has an authorized key (ssh_hardening_admins, normally users_admins);"
                  " password login is about to be switched off")
        login = v.get("ansible_user") or ""
        if (v.get("ansible_connection") or "ssh") in SSH_CONNECTIONS and login not in ("", "root") \
                and login not in [a.get("name") for a in with_keys]:
            p.add(f"lockout guard: Ansible logs in as {login} (ansible_user), who is not an admin with a key in "
                  "ssh_hardening_admins (users_admins and the deploy account); after hardening the next run could not "
                  f"log in: give {login} a key, or set ansible_user to an admin who has one")

    rules = v["ssh_hardening_firewall_rules"]
    if v["ssh_hardening_firewall_enabled"] and ssh_port is not None \
            and p.is_list("ssh_hardening_firewall_rules", rules, "firewall rules"):
        rules = [r for r in rules if isinstance(r, dict)]
        if not any(admits(r, ssh_port) for r in rules):
            tcp = sorted({str(r.get("port")) for r in rules if r.get("proto", "tcp") in ("tcp", "any")
                          and r.get("rule", "allow") in ("allow", "limit")})
            p.add(f"lockout guard: the firewall rules admit no TCP traffic to SSH port {ssh_port}: ssh_hardening_port is "
                  f"{ssh_port} but the rules UFW will hold (ufw_ssh_port and ufw_rules_*, handed over as "
                  f"ssh_hardening_firewall_rules) admit TCP on {', '.join(tcp) or 'no port'}; set ufw_ssh_port to the "
                  "same port (the platform's group_vars do, unless an inventory overrides it)")

    options = v["ssh_hardening_extra_options"]
    if p.is_mapping("ssh_hardening_extra_options", options, "sshd option: value"):
        for name, value in options.items():
            if not OPTION.match(str(name)) or str(name).lower() == "match":
                p.add(f"ssh_hardening_extra_options: {q(name)} is not an sshd option name (Match blocks are not supported)")
            elif re.search(r"[\r\n]", str(value)):
                p.add(f"ssh_hardening_extra_options.{name} has a line break")
    if p.is_list("ssh_hardening_penalty_exempt", v["ssh_hardening_penalty_exempt"], "addresses or CIDRs"):
        for net in v["ssh_hardening_penalty_exempt"]:
            if network(net) is None:
                p.add(f"ssh_hardening_penalty_exempt: {q(net)} is not an address or CIDR")
    bits = whole_number(v["ssh_hardening_rsa_host_key_bits"])
    if bits is None or bits < 3072:
        p.add(f"ssh_hardening_rsa_host_key_bits {q(v['ssh_hardening_rsa_host_key_bits'])} must be at least 3072")
    return p


class FilterModule:
    def filters(self):
        return {"ssh_hardening_problems": ssh_hardening_problems}
