"""Clients that run inside a container (a lab server or an outside client) with
nothing but python3: each speaks just enough of a wire protocol to hear what a
server answers. The tests send this file's text, followed by the calls they
need, to `python3 -` in the container (lab_helpers.WIRE); it is a real module so
that linters and the unit tests see it.
"""

import socket
import ssl
import struct
import subprocess
import time


def probe(target, port, timeout=3):
    """What a TCP port looks like from here: open (connects), refused (a reject)
    or filtered (no answer within the timeout)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((target, port))
        return "open"
    except ConnectionRefusedError:
        return "refused"
    except OSError:
        return "filtered"
    finally:
        s.close()


def pg_hello(target, port, user, database, tls=True):
    """PostgreSQL's start-up message, far enough to hear the server's answer to a
    login: "auth <code>" when it asks for a password (10: SCRAM), its error
    message when it refuses, or refused/filtered when nothing listens."""
    state = probe(target, port)
    if state != "open":
        return state
    s = socket.create_connection((target, port), timeout=5)
    if tls:
        s.sendall(struct.pack("!II", 8, 80877103))
        if s.recv(1) != b"S":
            return "no tls"
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    body = struct.pack("!I", 196608) + b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0\0"
    s.sendall(struct.pack("!I", len(body) + 4) + body)
    kind = s.recv(1)
    length = struct.unpack("!I", s.recv(4))[0]
    data = b""
    while len(data) < length - 4:
        data += s.recv(length - 4 - len(data))
    if kind == b"R":
        return "auth %d" % struct.unpack("!I", data[:4])[0]
    fields = dict((f[:1].decode(), f[1:].decode()) for f in data.split(b"\0") if f)
    return fields.get("M", repr(data))


def redis_session(target, commands, port=6379):
    """Each command's first reply line (a bulk string's value), in order."""
    s = socket.create_connection((target, port), timeout=5)
    f = s.makefile("rb")
    out = []
    for args in commands:
        s.sendall(("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args)).encode())
        line = f.readline().decode().strip()
        if line.startswith("$") and line != "$-1":
            line = f.readline().decode().strip()
        out.append(line)
    return out


def wait_for(target, want, wait, port=22):
    """Poll a port until it reaches the wanted state: "<state> <seconds>"."""
    start = time.monotonic()
    state = probe(target, port, 2)
    while state != want and time.monotonic() - start < wait:
        time.sleep(0.5)
        state = probe(target, port, 2)
    return "%s %s" % (state, round(time.monotonic() - start, 1))


def ssh_attack(target, attempts, wait):
    """Failed SSH logins as unknown users (no key, no password), then the time
    until port 22 stops answering: "<state> <seconds since the first login>"."""
    start = time.monotonic()
    for i in range(attempts):
        subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                        "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=3",
                        "nosuchuser%d@%s" % (i, target), "true"], capture_output=True, timeout=15)
    state = probe(target, 22, 2)
    while wait and state == "open" and time.monotonic() - start < wait:
        time.sleep(0.25)
        state = probe(target, 22, 2)
    return "%s %s" % (state, round(time.monotonic() - start, 1))
