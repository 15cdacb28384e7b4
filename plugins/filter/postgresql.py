"""Filters for the postgresql role.

postgresql_problems: every problem with the role's inputs, checked before
anything changes, each naming the variable to fix.
postgresql_settings: the server settings file's values: memory-based tuning
for the memory the role may plan with, then the operator's own settings.
postgresql_conf_value: one value as postgresql.conf spells it.
postgresql_hba_address: an address or CIDR as pg_hba.conf wants it (with a mask).
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError
from ansible_collections.tapbot.platform.plugins.plugin_utils.checks import Problems
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import network as _address
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import port
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import whole_number as _int

IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SETTING = re.compile(r"^[a-z_][a-z0-9_.]*$")
# Settings that size memory, with the unit a bare number is counted in (kB).
MEMORY_SETTINGS = {
    "shared_buffers": 8, "effective_cache_size": 8, "wal_buffers": 8,
    "work_mem": 1, "maintenance_work_mem": 1, "autovacuum_work_mem": 1, "temp_buffers": 8,
}
UNITS_KB = {"kb": 1, "mb": 1024, "gb": 1024 ** 2, "tb": 1024 ** 3}


def _kb(setting: str, value) -> int | None:
    """A memory setting's value in kB (None when it cannot be read)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * MEMORY_SETTINGS[setting]
    m = re.match(r"^\s*(\d+)\s*([kKmMgGtT][bB])?\s*$", str(value))
    if not m:
        return None
    number, unit = int(m.group(1)), m.group(2)
    return number * (UNITS_KB[unit.lower()] if unit else MEMORY_SETTINGS[setting])


def postgresql_hba_address(text) -> str:
    net = _address(text)
    if net is None:
        raise AnsibleFilterError(f"postgresql: {text!r} is not an address or CIDR")
    return str(net)


def planned_memory_mb(memory_mb, ram_mb) -> int:
    memory, ram = _int(memory_mb), _int(ram_mb)
    if memory:
        return memory
    return max((ram or 1024) // 2, 256)


def postgresql_settings(cfg: dict) -> dict:
    """Tuned settings (pgtune's rules for a mixed web workload on SSD), then cfg['settings']."""
    memory = planned_memory_mb(cfg.get("memory_mb"), cfg.get("ram_mb"))
    connections = _int(cfg.get("max_connections")) or 100
    shared = memory // 4
    settings = {
        "max_connections": connections,
        "shared_buffers": f"{shared}MB",
        "effective_cache_size": f"{memory * 3 // 4}MB",
        "maintenance_work_mem": f"{min(memory // 16, 2048)}MB",
        "work_mem": f"{max((memory - shared) * 1024 // (connections * 3) // 4, 4096)}kB",
        "wal_buffers": f"{min(max(shared * 1024 * 3 // 100, 64), 16384)}kB",
        "checkpoint_completion_target": 0.9,
        "min_wal_size": "1GB",
        "max_wal_size": "4GB",
        "random_page_cost": 1.1,
        "effective_io_concurrency": 200,
        "default_statistics_target": 100,
    }
    settings.update(cfg.get("settings") or {})
    return dict(sorted(settings.items()))


def postgresql_conf_value(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"


def postgresql_problems(v: dict, role: dict, facts: dict, host: str) -> list[str]:
    """Every problem with the role's inputs, each naming the variable to fix.
    role: postgresql_vars (the majors Debian ships, the keys list entries take);
    facts: the host's (its release and RAM)."""
    problems = Problems()
    cfg = {k[len("postgresql_"):]: val for k, val in v.items()}
    cfg.update(host=host, release=str(facts.get("distribution_major_version") or ""),
               ram_mb=facts.get("memtotal_mb") or 0, debian_majors=role["debian_majors"])

    source = cfg.get("source")
    version = str(cfg.get("version") or "").strip()
    if version and not re.match(r"^\d{2}$", version):
        problems.append(f"postgresql_version {version!r} is not a PostgreSQL major such as 17")
    if source == "pgdg" and not version:
        problems.append("postgresql_source is pgdg: set postgresql_version to the major to install (such as 17)")
    release = str(cfg.get("release") or "")
    debian_majors = cfg.get("debian_majors") or {}
    if source == "debian" and release:
        shipped = debian_majors.get(release)
        if shipped is None:
            problems.append(f"Debian {release} is not a release this role knows (it knows {', '.join(sorted(debian_majors))})")
        elif version and version != shipped:
            problems.append(
                f"Debian {release} ships PostgreSQL {shipped}, not {version}: clear postgresql_version, "
                f"or set postgresql_source: pgdg to install {version} from the PGDG repository")

    if port(cfg.get("port")) is None:
        problems.append(f"postgresql_port {cfg.get('port')!r} is not a port (1-65535)")

    listen = cfg.get("listen_addresses")
    if problems.is_list("postgresql_listen_addresses", listen, "localhost or addresses", empty_ok=False):
        for a in listen:
            if str(a) not in ("localhost", "*") and _address(a) is None:
                problems.append(f"postgresql_listen_addresses: {a!r} is not localhost or an IP address")
    clients = cfg.get("client_addresses")
    if not problems.is_list("postgresql_client_addresses", clients, "addresses or CIDRs"):
        clients = []
    for a in clients:
        if _address(a) is None:
            problems.append(
                f"postgresql_client_addresses: {a!r} is not an address or CIDR (an apps host without "
                "tapbot_address, or whose facts were not gathered?)")
        elif _address(a).prefixlen == 0:
            problems.append(f"postgresql_client_addresses: {a} admits every address; name the apps hosts")

    # Memory: the plan and every memory setting must fit the host's RAM.
    ram = _int(cfg.get("ram_mb"))
    memory = cfg.get("memory_mb")
    if _int(memory) is None or _int(memory) < 0:
        problems.append(f"postgresql_memory_mb {memory!r} is not a number of megabytes (0: half of the RAM)")
    elif ram and _int(memory) > ram:
        problems.append(f"postgresql_memory_mb is {memory} MB but {cfg.get('host')} has only {ram} MB of RAM")
    connections = _int(cfg.get("max_connections"))
    if connections is None or not 1 <= connections <= 10000:
        problems.append(f"postgresql_max_connections {cfg.get('max_connections')!r} is not between 1 and 10000")
    settings = cfg.get("settings")
    if not problems.is_mapping("postgresql_settings", settings, "setting names to values"):
        settings = {}
    for name, value in settings.items():
        if not isinstance(name, str) or not SETTING.match(name):
            problems.append(f"postgresql_settings: {name!r} is not a setting name")
            continue
        if name in MEMORY_SETTINGS:
            kb = _kb(name, value)
            if kb is None or (kb <= 0 and value not in (-1, "-1")):
                problems.append(f"postgresql_settings.{name}: {value!r} is not a size such as 512MB")
            elif ram and kb > ram * 1024:
                problems.append(f"postgresql_settings.{name} is {value} but {cfg.get('host')} has only {ram} MB of RAM")
        if name in ("listen_addresses", "port", "password_encryption", "ssl", "hba_file"):
            problems.append(f"postgresql_settings.{name}: set by the role (use its own variable)")

    # Users.
    declared: set[str] = set()
    user_names: dict[str, str] = {}
    for where, user in problems.entries("postgresql_users", cfg.get("users"), "{name, password}"):
        name = user.get("name")
        if not isinstance(name, str) or not IDENT.match(name) or name == "postgres" or name.startswith("pg_"):
            problems.append(f"{where}: name must be a lower-case identifier other than postgres and pg_*")
            continue
        problems.first_use(where, name, user_names, "the name")
        state = user.get("state", "present")
        if state == "present":
            declared.add(name)
            password = user.get("password")
            if not isinstance(password, str) or len(password) < 16:
                problems.append(f"{where}: password is missing or shorter than 16 characters (derive it from tapbot_master_secret)")
        attributes = user.get("attributes", [])
        if not isinstance(attributes, list) or any(str(a).upper() in ("SUPERUSER", "REPLICATION", "BYPASSRLS") for a in attributes):
            problems.append(f"{where}: attributes must be a list without SUPERUSER, REPLICATION or BYPASSRLS")

    # Databases: the owner and every user let in must be declared here.
    db_names: dict[str, str] = {}
    for where, db in problems.entries("postgresql_databases", cfg.get("databases"), "{name, owner}"):
        name = db.get("name")
        if not isinstance(name, str) or not IDENT.match(name) or name in ("postgres", "template0", "template1"):
            problems.append(f"{where}: name must be a lower-case identifier other than postgres and template*")
        else:
            problems.first_use(where, name, db_names, "the name")
        owner = db.get("owner")
        if not owner:
            problems.append(f"{where}: no owner (name one of postgresql_users)")
        elif owner not in declared:
            problems.append(f"{where}: owner {owner!r} is not declared in postgresql_users (or is absent)")
        problems.declared(where, db.get("users", []), "user", declared, "postgresql_users")
        extensions = db.get("extensions", [])
        if not isinstance(extensions, list) or not all(isinstance(e, str) and re.match(r"^[a-z0-9_-]+$", e) for e in extensions):
            problems.append(f"{where}: extensions must be a list of extension names")

    for where, p in problems.entries("postgresql_privileges", cfg.get("privileges"),
                                     "{database, roles, type, privs, objs}"):
        if p.get("database") not in db_names:
            problems.append(f"{where}: database {p.get('database')!r} is not declared in postgresql_databases")
        if not p.get("roles"):
            problems.append(f"{where}: roles is required")
    return problems


class FilterModule:
    def filters(self):
        return {
            "postgresql_problems": postgresql_problems,
            "postgresql_tuned_settings": postgresql_settings,
            "postgresql_conf_value": postgresql_conf_value,
            "postgresql_hba_address": postgresql_hba_address,
            "postgresql_planned_memory_mb": planned_memory_mb,
        }
