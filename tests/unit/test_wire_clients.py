"""tests/molecule/clients/wire.py: the in-container clients, against local listeners."""

from __future__ import annotations

import importlib.util
import socket
import threading
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("wire", PROJECT / "tests" / "molecule" / "clients" / "wire.py")
wire = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wire)


def _listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


def test_probe_tells_open_from_refused():
    server = _listener()
    port = server.getsockname()[1]
    assert wire.probe("127.0.0.1", port) == "open"
    server.close()
    assert wire.probe("127.0.0.1", port) == "refused"


def test_redis_session_reads_simple_and_bulk_replies():
    server = _listener()
    replies = [b"+OK\r\n", b"$9\r\nfrom-apps\r\n", b"-NOPERM no\r\n"]

    def serve():
        conn, _ = server.accept()
        for reply in replies:
            conn.recv(4096)
            conn.sendall(reply)
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    out = wire.redis_session("127.0.0.1", [["SET", "k", "v"], ["GET", "k"], ["FLUSHALL"]], port=server.getsockname()[1])
    assert out == ["+OK", "from-apps", "-NOPERM no"]
    server.close()
