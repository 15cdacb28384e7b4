"""The users role's checks.

users_problems: every problem with the role's inputs, each naming the variable.
users_present: the admins that are (to be) present, for the users role and for
the SSH lockout guard alike.
users_ssh_key_problem: why an OpenSSH public key line is unusable ('' when it is
fine). The key is decoded, not just pattern-matched: the algorithm named outside
the base64 blob must match the one inside it, and RSA keys need 2048 bits.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct

from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import json_text as q

ALLOWED_KEYS = {
    "ssh-ed25519", "sk-ssh-ed25519@openssh.com", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-rsa",
}
MIN_RSA_BITS = 2048
NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
SHELL = re.compile(r"^/[A-Za-z0-9/._-]+$")
RESERVED = {
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data",
    "backup", "list", "irc", "nobody", "_apt", "messagebus", "sshd", "postgres", "redis", "systemd-network",
    "systemd-timesync", "systemd-resolve",
}


def _read_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(blob):
        raise ValueError("truncated")
    (length,) = struct.unpack(">I", blob[offset: offset + 4])
    start, end = offset + 4, offset + 4 + length
    if end > len(blob):
        raise ValueError("truncated")
    return blob[start:end], end


def ssh_key_problem(key: object) -> str:
    if not isinstance(key, str) or not key.strip():
        return "empty key"
    if "\n" in key.strip():
        return "one key per list item (found a line break)"
    fields = key.split()
    if len(fields) < 2:
        return "expected '<type> <base64> [comment]'"
    kind, data = fields[0], fields[1]
    if kind == "ssh-dss":
        return "DSA keys are obsolete and refused by OpenSSH; use ssh-ed25519"
    if kind not in ALLOWED_KEYS:
        return f"unknown or unsupported key type {kind!r} (options before the type are not supported)"
    try:
        blob = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return "the key data is not valid base64"
    try:
        inner, offset = _read_string(blob, 0)
        if inner.decode("ascii", "replace") != kind:
            return f"key data is a {inner.decode('ascii', 'replace')!r} key but the line says {kind!r}"
        if kind == "ssh-rsa":
            _exponent, offset = _read_string(blob, offset)
            modulus, offset = _read_string(blob, offset)
            bits = int.from_bytes(modulus, "big").bit_length()
            if bits < MIN_RSA_BITS:
                return f"RSA key of {bits} bits is too weak (at least {MIN_RSA_BITS})"
        elif kind == "ssh-ed25519":
            point, offset = _read_string(blob, offset)
            if len(point) != 32:
                return "ed25519 key data has the wrong length"
    except ValueError:
        return "the key data is truncated"
    return ""


def present(admins) -> list[dict]:
    """The admins that are (to be) present: no state, or state present."""
    return [a for a in admins or [] if isinstance(a, dict) and (a.get("state") or "present") == "present"]


def users_problems(v: dict) -> list[str]:
    p = Problems()
    deploy_on = bool(v["users_deploy_enabled"])
    admins = v["users_admins"]
    names = [a.get("name") for a in admins if isinstance(a, dict)] if isinstance(admins, list) else []
    for who, a in p.entries("users_admins", admins, "{name, ssh_keys, ...}",
                            label=lambda i, a: f"users_admins[{q(a.get('name'))}]"):
        name = a.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            p.add(f"{who}: not a valid login name (lower-case letters, digits, _ and -, at most 32)")
        elif name in RESERVED or (deploy_on and name == v["users_deploy_name"]):
            p.add(f"{who}: the name is reserved for a system or the deploy account")
        if isinstance(name, str) and names.count(name) > 1:
            p.add(f"{who}: declared more than once")
        if a.get("shell") is not None and not SHELL.match(str(a["shell"])):
            p.add(f"{who}: shell {q(a['shell'])} is not an absolute path")
        if (a.get("state") or "present") != "present":
            continue
        keys = a.get("ssh_keys") or []
        if not p.is_list(f"{who}.ssh_keys", keys, "public key lines"):
            continue
        if not keys:
            p.add(f"{who}: has no ssh_keys; an admin without a key cannot log in (add a key or set state: absent)")
        for k, key in enumerate(keys):
            why = ssh_key_problem(key)
            if why:
                p.add(f"{who}.ssh_keys[{k}]: {why}")
    if isinstance(admins, list) and v["users_require_admin"] and not present(admins):
        p.add("users_admins declares no present admin; the server would have nobody who can log in"
              " (set users_require_admin: false only on purpose)")
    if not NAME.match(str(v["users_admin_group"])):
        p.add(f"users_admin_group {q(v['users_admin_group'])} is not a valid group name")
    if not SHELL.match(str(v["users_default_shell"])):
        p.add(f"users_default_shell {q(v['users_default_shell'])} is not an absolute path")
    if deploy_on:
        name = v["users_deploy_name"]
        if not isinstance(name, str) or not NAME.match(name) or name in RESERVED:
            p.add(f"users_deploy_name {q(name)} is not a usable login name")
        if p.is_list("users_deploy_ssh_keys", v["users_deploy_ssh_keys"], "public key lines"):
            for k, key in enumerate(v["users_deploy_ssh_keys"]):
                why = ssh_key_problem(key)
                if why:
                    p.add(f"users_deploy_ssh_keys[{k}]: {why}")
    return p


class FilterModule:
    def filters(self):
        return {"users_problems": users_problems, "users_present": present, "users_ssh_key_problem": ssh_key_problem}
