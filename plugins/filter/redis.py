"""Filters for the redis role.

redis_problems: every problem with the role's inputs, each naming the variable.
redis_acl: the ACL file's lines (passwords as SHA-256, never in clear).
"""

from __future__ import annotations

import hashlib
import re

from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import address, port
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import whole_number as _int

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
COMMAND = re.compile(r"^[a-z|]+$")
RULE = re.compile(r"^[+-]@?[a-z|]+$")
PREFIX = re.compile(r"^[A-Za-z0-9_:.{}-]+$")


def _sha(password: str) -> str:
    return "#" + hashlib.sha256(password.encode()).hexdigest()


def redis_problems(v: dict, role: dict, facts: dict, host: str) -> list[str]:
    """Every problem with the role's inputs, each naming the variable to fix.
    role: redis_vars (unused: the spec holds the choices); facts: the host's RAM."""
    problems = Problems()
    cfg = {k[len("redis_"):]: val for k, val in v.items()}
    cfg.update(host=host, ram_mb=facts.get("memtotal_mb") or 0, default_password=v["redis_default_user_password"])
    binds = cfg.get("bind_addresses")
    if not problems.is_list("redis_bind_addresses", binds, "addresses", empty_ok=False):
        binds = []
    for a in binds:
        ip = address(str(a).lstrip("-"))
        if ip is None:
            problems.append(f"redis_bind_addresses: {a!r} is not an IP address")
        elif ip.is_unspecified:
            problems.append(f"redis_bind_addresses: {a} listens everywhere; name the addresses")
    if port(cfg.get("port")) is None:
        problems.append(f"redis_port {cfg.get('port')!r} is not a port (1-65535)")
    ram, memory = _int(cfg.get("ram_mb")), _int(cfg.get("maxmemory_mb"))
    if memory is None or memory < 1:
        problems.append(f"redis_maxmemory_mb {cfg.get('maxmemory_mb')!r} is not a number of megabytes")
    elif ram and memory > ram:
        problems.append(f"redis_maxmemory_mb is {memory} MB but {cfg.get('host')} has only {ram} MB of RAM")
    save = cfg.get("save")
    if not isinstance(save, list) or not all(re.match(r"^\d+ \d+$", str(s)) for s in save):
        problems.append('redis_save must be a list of "<seconds> <changes>" pairs')

    admin = cfg.get("admin_user")
    if not isinstance(admin, str) or not NAME.match(admin) or admin == "default":
        problems.append("redis_admin_user must be a lower-case name other than default")
    if not isinstance(cfg.get("admin_password"), str) or len(cfg.get("admin_password")) < 16:
        problems.append("redis_admin_password is missing or shorter than 16 characters (derive it from tapbot_master_secret)")
    default_pw = cfg.get("default_password")
    if default_pw and (not isinstance(default_pw, str) or len(default_pw) < 16):
        problems.append("redis_default_user_password is shorter than 16 characters (leave it empty to switch the default user off)")
    for where, rules in (("redis_app_commands", cfg.get("app_commands")),):
        if not isinstance(rules, str) or not all(RULE.match(r) for r in rules.split()):
            problems.append(f"{where} must be ACL command rules such as \"+@all -@dangerous\"")
    denied = cfg.get("denied_commands")
    if not isinstance(denied, list) or not all(isinstance(c, str) and COMMAND.match(c) for c in denied):
        problems.append("redis_denied_commands must be a list of lower-case command names")

    seen = {admin: "redis_admin_user", "default": "Redis's own default user"}
    for where, user in problems.entries("redis_users", cfg.get("users"), "{name, password, key_prefix, commands}"):
        problems.unique_name(where, user.get("name"), NAME, "name must be a lower-case name (letters, digits, - and _)", seen)
        password = user.get("password")
        if not isinstance(password, str) or len(password) < 16:
            problems.append(f"{where}: password is missing or shorter than 16 characters (derive it from tapbot_master_secret)")
        prefix = user.get("key_prefix")
        if prefix is not None and (not isinstance(prefix, str) or not PREFIX.match(prefix)):
            problems.append(f"{where}: key_prefix must be letters, digits and _:.{{}}- (such as 'n8n:')")
        commands = user.get("commands")
        if commands is not None and (not isinstance(commands, str) or not all(RULE.match(r) for r in commands.split())):
            problems.append(f"{where}: commands must be ACL command rules such as \"+@all -@dangerous\"")
    return problems


def redis_acl(cfg: dict) -> list[str]:
    """ACL file lines: admin, default (off unless it has a password), then the apps' users."""
    denied = " ".join(f"-{c}" for c in cfg.get("denied_commands") or [])
    app_commands = cfg.get("app_commands") or "+@all -@dangerous"
    lines = [f"user {cfg['admin_user']} on {_sha(cfg['admin_password'])} ~* &* +@all"]
    if cfg.get("default_password"):
        lines.append(f"user default on {_sha(cfg['default_password'])} ~* &* {app_commands} {denied}".strip())
    else:
        lines.append("user default off resetpass resetkeys resetchannels -@all")
    for user in cfg.get("users") or []:
        prefix = user.get("key_prefix")
        keys = f"~{prefix}* &{prefix}*" if prefix else "~* &*"
        commands = user.get("commands") or app_commands
        lines.append(f"user {user['name']} on {_sha(user['password'])} {keys} {commands} {denied}".strip())
    return lines


class FilterModule:
    def filters(self):
        return {"redis_problems": redis_problems, "redis_acl": redis_acl}
