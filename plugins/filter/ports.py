"""The port handbook (playbooks/ports.yml, `make ports`): for every server, each
port it listens on, with its service, protocol, addresses and the sources the
firewall admits, from the same values the roles and UFW use.

ports_host: one server's listeners, from its roles' exports, the variables that
    say where each service listens, and UFW's expanded entries (ufw_entries).
ports_handbook: the handbook as Markdown (docs/ports.md).
ports_topology: the picture as Graphviz text (docs/topology.dot).
ports_audit: what `ss -Htlnup` on a server shows that the handbook does not
    list, and what the handbook lists that does not listen (the tests' check).
ports_probes: what a client at a given address must find open or closed.
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.tapbot.platform.plugins.plugin_utils.firewall import rule_admits
from ansible_collections.tapbot.platform.plugins.plugin_utils.values import address, network, port

ANY = "any"
WILDCARDS = ("0.0.0.0", "::")
# What each kind of reach means, for the handbook's legend and the picture.
REACH = {
    "public": "every source the firewall admits: anyone",
    "restricted": "only the sources listed",
    "closed": "listens beyond loopback, but the firewall admits no source",
    "local": "loopback only: this server's own processes",
}
COLOURS = {"public": "#f4b6b0", "restricted": "#bcd7f2", "closed": "#e6e6e6", "local": "#eeeeee"}


def _binds(configured) -> list[dict]:
    """The addresses a service binds, as it reads its setting: nothing (or "*")
    for every address of both families, "localhost" for 127.0.0.1 and ::1, and
    Redis's "-" before an address that may be absent. The ::1 of "localhost" is
    not required either: a host without IPv6 on loopback has none."""
    values = configured if isinstance(configured, list) else [configured]
    values = [str(v).strip() for v in values if v is not None and str(v).strip()]
    binds: dict[str, bool] = {}

    def add(text: str, required: bool) -> None:
        parsed = address(text)
        key = str(parsed) if parsed is not None else text
        binds[key] = binds.get(key, False) or required

    for value in values or ["*"]:
        required = not value.startswith("-")
        value = value.lstrip("-")
        if value in ("*", "::*"):
            for wildcard in (WILDCARDS if value == "*" else WILDCARDS[1:]):
                add(wildcard, required)
        elif value == "localhost":
            add("127.0.0.1", required)
            add("::1", False)
        else:
            add(value, required)
    return [{"address": a, "required": r} for a, r in binds.items()]


def _is_loopback(text: str) -> bool:
    parsed = address(text)
    return parsed is not None and parsed.is_loopback


def _admitted(rules, proto: str, number) -> list[str]:
    """The sources UFW's entries admit to a port (allow and limit rules)."""
    sources: list[str] = []
    for rule in rules:
        if not rule_admits(rule, number, proto):
            continue
        if str(rule["src"]) not in sources:
            sources.append(str(rule["src"]))
    return sources


def _listener(host: dict, base: dict, configured) -> dict:
    binds = _binds(configured)
    proto = base.get("proto", "tcp")
    number = base.get("port")
    local = all(_is_loopback(b["address"]) for b in binds)
    if number is None and not local:
        raise AnsibleFilterError(f"{host['name']}: {base['service']} listens on a port of its own choosing, which the "
                                 "handbook can only account for on loopback addresses")
    sources = [] if local else ([ANY] if not boolean(host.get("firewall") or False, strict=False) else _admitted(host.get("rules") or [], proto, number))
    reach = "local" if local else "public" if ANY in sources else "restricted" if sources else "closed"
    names = {str(a): h for h, a in (host.get("names") or {}).items()}
    return {
        "role": base.get("role") or "", "variable": base.get("variable") or "", "service": base["service"],
        "proto": proto, "port": number, "addresses_variable": base.get("addresses_variable") or "",
        "addresses": [b["address"] for b in binds], "binds": binds,
        "sources": sources, "source_names": {s: names[s] for s in sources if s in names},
        "reach": reach, "optional": boolean(base.get("optional") or False, strict=False), "via": base.get("via") or "",
        "process": base.get("process"), "note": base.get("note") or "",
        "set_by": base.get("set_by") or (f"the {base['role']} role" if base.get("role") else ""),
    }


def ports_host(host: dict, services: dict, local: list | None = None) -> dict:
    """One server's listeners.

    host: name, address, groups, roles (the roles it gets), exports ({role:
    {port variable: port}}), values ({variable: value} of the variables
    `services` names), firewall (UFW filters), rules (ufw_entries), names
    ({host: address}, to name the sources).
    services: per port variable, {service, addresses (the variable naming where
    it listens), proto, via, optional (a variable: true when it may be absent)}.
    local: listeners that come with the software, no role's port: {role (none:
    every server), service, proto (or a list of them), addresses, process (as `ss -p` shows it; ""
    when none is shown), optional, note}; their port is the kernel's choice.
    """
    values = host.get("values") or {}
    listeners = []
    for role in host.get("roles") or []:
        for variable, value in ((host.get("exports") or {}).get(role) or {}).items():
            spec = services.get(variable)
            if spec is None:
                raise AnsibleFilterError(f"{variable} (exported by the {role} role) has no entry in tapbot_ports_services "
                                         "(playbooks/ports.yml): name its service and the variable of its addresses")
            number = port(value)
            if number is None:
                raise AnsibleFilterError(f"{host['name']}: {variable} {value!r} is not a port (1-65535)")
            optional = spec.get("optional")
            listeners.append(_listener(host, {
                **spec, "role": role, "variable": variable, "port": number, "addresses_variable": spec["addresses"],
                "optional": values.get(optional) if optional else False,
                "note": spec.get("note") or (f"May be absent while `{optional}` is true." if optional else ""),
            }, values.get(spec["addresses"])))
    for entry in local or []:
        if entry.get("role") and entry["role"] not in (host.get("roles") or []):
            continue
        protos = entry.get("proto") or "tcp"
        for proto in protos if isinstance(protos, list) else [protos]:
            listeners.append(_listener(host, {**entry, "proto": proto, "port": None}, entry.get("addresses")))
    listeners.sort(key=lambda e: (e["port"] is None, e["port"] or 0, e["proto"], e["service"]))
    used = [(e["proto"], e["port"]) for e in listeners if e["port"] is not None]
    unused = [r for r in host.get("rules") or [] if not any(
        _admitted([r], proto, number) for proto, number in used)]
    return {
        "name": host["name"], "address": host.get("address") or "", "groups": list(host.get("groups") or []),
        "roles": list(host.get("roles") or []), "firewall": boolean(host.get("firewall") or False, strict=False),
        "listeners": listeners,
        "unused_rules": [{k: r.get(k) for k in ("port", "proto", "src", "rule", "comment")} for r in unused],
    }


def _port_text(entry: dict) -> str:
    return str(entry["port"]) if entry["port"] is not None else "any (kernel's choice)"


def _sources_text(entry: dict) -> str:
    if entry["reach"] == "local":
        return "this server only"
    if not entry["sources"]:
        return "nobody (no UFW rule)"
    names = entry["source_names"]
    return ", ".join("anyone" if s == ANY else f"{names[s]} ({s})" if s in names else s for s in entry["sources"])


def _addresses_text(entry: dict) -> str:
    words = [b["address"] + ("" if b["required"] else " (if present)") for b in entry["binds"]]
    return ", ".join(words)


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def ports_handbook(doc: dict) -> str:
    """docs/ports.md from the handbook's data ({environment, hosts: [ports_host results]})."""
    lines = [
        f"# Port handbook: {doc.get('environment') or 'inventory'}",
        "",
        "Generated by `make ports` (playbooks/ports.yml) from the inventory, from the values the roles and",
        "UFW use: do not edit by hand. Every port a server listens on, with the variable that sets it, where it",
        "listens and the sources UFW admits (Docker-published ports obey the same rules). The picture is",
        "[topology.svg](topology.svg); the same data for programs is `ports.json`.",
        "",
        "Reach: " + "; ".join(f"**{k}**: {v}" for k, v in REACH.items()) + ".",
    ]
    for host in doc.get("hosts") or []:
        firewall = "UFW on, incoming denied unless admitted below" if host["firewall"] else "UFW off: every port is open"
        lines += ["", f"## {host['name']} ({host['address']})", "",
                  f"Groups: {', '.join(host['groups']) or 'none'}. {firewall}.", "",
                  "| port | proto | service | set by | listens on | admitted from | reach |",
                  "|---:|---|---|---|---|---|---|"]
        notes: list[str] = []
        for entry in host["listeners"]:
            service = entry["service"] + (" (published by Docker)" if entry["via"] == "docker" else "")
            if entry["note"]:
                if entry["note"] not in notes:
                    notes.append(entry["note"])
                service += f" [{notes.index(entry['note']) + 1}]"
            set_by = ", ".join(f"`{v}`" for v in (entry["variable"], entry["addresses_variable"]) if v) or entry["set_by"]
            lines.append("| " + " | ".join(_cell(c) for c in (
                _port_text(entry), entry["proto"], service, set_by, _addresses_text(entry), _sources_text(entry),
                entry["reach"])) + " |")
        if notes:
            lines += [""] + [f"- [{i}] {note}" for i, note in enumerate(notes, 1)]
        if host["unused_rules"]:
            lines += ["", "UFW admits these, but nothing in the handbook listens there:", ""]
            lines += [f"- {r['port']}/{r['proto']} from {r['src']} ({r.get('comment') or 'no comment'})"
                      for r in host["unused_rules"]]
    return "\n".join(lines) + "\n"


def _dot(text, left: bool = False) -> str:
    """A Graphviz string: its lines centred, or left-aligned (each ending in \\l)."""
    lines = [line.replace("\\", "\\\\").replace('"', '\\"') for line in str(text).split("\n")]
    return '"' + ("".join(line + "\\l" for line in lines) if left else "\\n".join(lines)) + '"'


def _html(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _legend() -> str:
    rows = "".join(f'<tr><td bgcolor="{COLOURS[k]}">{k}</td><td align="left">{_html(v)}</td></tr>' for k, v in REACH.items())
    rows += '<tr><td>dashed</td><td align="left">may be absent (see the handbook)</td></tr>'
    return f'  legend [shape=plaintext, fontsize=10, label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">{rows}</table>>];'


def ports_topology(doc: dict) -> str:
    """docs/topology.dot: each server with its ports (loopback ones together),
    and an arrow from every source the firewall admits to the port."""
    hosts = doc.get("hosts") or []
    by_address = {h["address"]: h["name"] for h in hosts if h["address"]}
    title = f"tapbot platform ({doc.get('environment') or 'inventory'}): who may reach which port"
    out = [
        "digraph ports {",
        f"  graph [rankdir=LR, fontname=Helvetica, fontsize=14, labelloc=t, nodesep=0.25, ranksep=1.2, label={_dot(title)}];",
        '  node [fontname=Helvetica, fontsize=11, shape=box, style="rounded,filled", fillcolor=white];',
        '  edge [color="#555555", arrowsize=0.7];',
        _legend(),
    ]
    sources: dict[str, str] = {}
    edges = []
    for host in hosts:
        name = host["name"]
        out += [f"  subgraph {_dot('cluster_' + name)} {{",
                f"    label={_dot(name + ' (' + ', '.join(host['groups']) + ')' + chr(10) + host['address'])};",
                '    style=rounded; color="#777777"; fontsize=13;',
                f'    {_dot("host:" + name)} [label={_dot(name + chr(10) + "as a client")}, shape=box3d, fillcolor="#fff6d5"];']
        local = [e for e in host["listeners"] if e["reach"] == "local"]
        for entry in host["listeners"]:
            if entry["reach"] == "local":
                continue
            node = f"{name}:{entry['proto']}/{entry['port']}"
            label = f"{entry['port']}/{entry['proto']}\n{entry['service']}\n{_addresses_text(entry)}"
            style = "rounded,filled,dashed" if entry["optional"] else "rounded,filled"
            out.append(f'    {_dot(node)} [label={_dot(label)}, fillcolor="{COLOURS[entry["reach"]]}", style="{style}"];')
            for source in entry["sources"]:
                if source in by_address:
                    origin = "host:" + by_address[source]
                else:
                    origin = "src:" + source
                    sources[origin] = "anyone\n(the internet)" if source == ANY else source
                edges.append(f"  {_dot(origin)} -> {_dot(node)};")
        if local:
            text = "\n".join(["loopback only (this server's own processes; *: a port the kernel picks):"] + [
                f"*/{e['proto']} {e['service']} on {_addresses_text(e)}{' (may be absent)' if e['optional'] else ''}"
                for e in local])
            out.append(f'    {_dot("local:" + name)} [label={_dot(text, left=True)}, fillcolor="{COLOURS["local"]}", fontsize=9];')
        out.append("  }")
    for node, label in sources.items():
        out.append(f'  {_dot(node)} [label={_dot(label)}, shape=ellipse, fillcolor="#fde2e1"];')
    return "\n".join(out + edges + ["}"]) + "\n"


_SS_LOCAL = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<addr>[^\s]+?))(?:%\S+)?:(?P<port>\d+|\*)$")


def parse_ss(text: str) -> list[dict]:
    """Listening sockets from `ss -Htlnup` (or -Htln): proto, address ("*" for
    a socket on every address of both families), port, processes."""
    sockets = []
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        if fields[0] in ("tcp", "udp"):
            proto, fields = fields[0], fields[1:]
        else:
            proto = {"LISTEN": "tcp", "UNCONN": "udp"}.get(fields[0], "")
        m = _SS_LOCAL.match(fields[3]) if len(fields) > 4 and proto else None
        if not m:
            raise ValueError(f"not a line of `ss -Htlnup`: {line!r}")
        text_addr = m.group("v6") or m.group("addr")
        parsed = address(text_addr.split("%")[0])
        sockets.append({"proto": proto, "address": str(parsed) if parsed is not None else text_addr,
                        "port": int(m.group("port")), "processes": sorted(set(re.findall(r'\("([^"]+)",pid=', line)))})
    return sockets


def _matches(entry: dict, bind: str, sock: dict) -> bool:
    if sock["proto"] != entry["proto"] or (entry["port"] is not None and sock["port"] != entry["port"]):
        return False
    if entry.get("process") is not None and sock["processes"] != ([entry["process"]] if entry["process"] else []):
        return False
    return sock["address"] == bind or (sock["address"] == "*" and bind in WILDCARDS)


def ports_audit(host: dict, ss_text: str) -> list[str]:
    """What disagrees between a server's handbook entry (a ports_host result) and
    what `ss -Htlnup` run there as root shows (root: -p names every socket's
    process, which tells the loopback listeners on ports of the kernel's choice
    apart): a socket the handbook does not list, and a listener the handbook
    lists (not marked optional) that is absent."""
    sockets = parse_ss(ss_text)
    name = host["name"]
    problems = []
    for sock in sockets:
        if not any(_matches(e, b["address"], sock) for e in host["listeners"] for b in e["binds"]):
            who = ", ".join(sock["processes"]) or "no process shown"
            problems.append(f"{name}: {sock['proto']} {sock['address']}:{sock['port']} ({who}) listens, "
                            "but the handbook does not list it")
    for entry in host["listeners"]:
        for bind in entry["binds"]:
            if entry["optional"] or not bind["required"] or any(_matches(entry, bind["address"], s) for s in sockets):
                continue
            problems.append(f"{name}: the handbook lists {entry['proto']} {_port_text(entry)} on {bind['address']} "
                            f"({entry['variable'] or entry['service']}), but nothing listens there")
    return problems


def _admits(entry: dict, client: str) -> bool:
    client_ip = address(client)
    for source in entry["sources"]:
        net = network(source) if source != ANY else None
        if source == ANY or (net is not None and client_ip is not None and client_ip in net):
            return True
    return False


def ports_probes(host: dict, client: str) -> list[dict]:
    """The TCP ports a client at address `client` (an outsider, or another server)
    must find open (admitted and listening) or not open, at the IPv4 addresses they listen
    on (the server's address for a wildcard). Loopback listeners are not
    reachable from outside at all; an optional listener that may be absent is
    only probed where it must be closed."""
    probes = []
    for entry in host["listeners"]:
        if entry["proto"] != "tcp" or entry["reach"] == "local":
            continue
        expect = "open" if _admits(entry, client) else "closed"
        if expect == "open" and entry["optional"]:
            continue
        for bind in entry["binds"]:
            target = host["address"] if bind["address"] == "0.0.0.0" else bind["address"]
            parsed = address(target)
            if parsed is None or parsed.version != 4 or parsed.is_loopback or not bind["required"]:
                continue
            probes.append({"address": target, "port": entry["port"], "expect": expect,
                           "what": f"{entry['service']} ({entry['variable'] or entry['role']})"})
    return probes


class FilterModule:
    def filters(self):
        return {
            "ports_host": ports_host,
            "ports_handbook": ports_handbook,
            "ports_topology": ports_topology,
            "ports_audit": ports_audit,
            "ports_probes": ports_probes,
        }
