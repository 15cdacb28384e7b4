"""Filter `users_ssh_key_problem`: why an OpenSSH public key line is unusable.

Returns an empty string for a good key, otherwise a short reason. The key is
decoded, not just pattern-matched: the algorithm named outside the base64 blob
must match the one inside it, and RSA keys must have at least 2048 bits.
"""

from __future__ import annotations

import base64
import binascii
import struct

ALLOWED = {
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
}
MIN_RSA_BITS = 2048


def _read_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(blob):
        raise ValueError("truncated")
    (length,) = struct.unpack(">I", blob[offset : offset + 4])
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
    if kind not in ALLOWED:
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


class FilterModule:
    def filters(self):
        return {"users_ssh_key_problem": ssh_key_problem}
