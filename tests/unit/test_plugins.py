"""The role plugins that validation relies on."""

from __future__ import annotations

import base64
import struct
import subprocess

import pytest
import ssh_keys
import timezone

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGTwdMCjP9ImX77Sy3iB12QZIJmr3wqtITYAM2a2EtvI alice@molecule"


def _blob(*parts: bytes) -> str:
    return base64.b64encode(b"".join(struct.pack(">I", len(p)) + p for p in parts)).decode()


def _keygen(tmp_path, kind, bits=None):
    path = tmp_path / f"k_{kind}_{bits}"
    cmd = ["ssh-keygen", "-q", "-N", "", "-t", kind, "-f", str(path)]
    if bits:
        cmd += ["-b", str(bits)]
    subprocess.run(cmd, check=True)
    return (path.parent / (path.name + ".pub")).read_text().strip()


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa", "rsa"])
def test_real_keys_are_accepted(tmp_path, kind):
    assert ssh_keys.ssh_key_problem(_keygen(tmp_path, kind)) == ""


def test_key_without_comment_is_accepted():
    assert ssh_keys.ssh_key_problem(" ".join(ED25519.split()[:2])) == ""


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "empty key"),
        (None, "empty key"),
        ("ssh-ed25519", "expected '<type> <base64> [comment]'"),
        ("ssh-ed25519 !!!notbase64 x", "not valid base64"),
        ("ssh-foo AAAA x", "unknown or unsupported key type 'ssh-foo'"),
        ('from="1.2.3.4" ' + ED25519, "unknown or unsupported key type"),
        ("ssh-dss AAAA x", "DSA keys are obsolete"),
        ("ssh-rsa " + ED25519.split()[1], "is a 'ssh-ed25519' key but the line says 'ssh-rsa'"),
        (ED25519 + "\n" + ED25519, "one key per list item"),
        ("ssh-ed25519 " + _blob(b"ssh-ed25519", b"short"), "wrong length"),
        ("ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\xffssh").decode(), "truncated"),
    ],
)
def test_bad_keys_are_named(key, reason):
    assert reason in ssh_keys.ssh_key_problem(key)


def test_weak_rsa_key_is_refused(tmp_path):
    assert "RSA key of 1024 bits is too weak" in ssh_keys.ssh_key_problem(_keygen(tmp_path, "rsa", 1024))


@pytest.mark.parametrize("name", ["Asia/Almaty", "UTC", "Europe/Moscow", "Asia/Qostanay"])
def test_known_time_zones(name):
    assert timezone.known_timezone(name)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", None, "asia/almaty", "../etc/passwd"])
def test_unknown_time_zones(name):
    assert not timezone.known_timezone(name)
