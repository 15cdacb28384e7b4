"""filter.users: SSH public keys, users_problems and users_present."""

from __future__ import annotations

import base64
import struct
import subprocess

import pytest
from ansible_collections.tapbot.platform.plugins.filter import users
from ansible_collections.tapbot.platform.plugins.filter.users import present, ssh_key_problem, users_problems

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGTwdMCjP9ImX77Sy3iB12QZIJmr3wqtITYAM2a2EtvI alice@molecule"
OK = {
    "users_admins": [{"name": "alice", "ssh_keys": [ED25519], "comment": "Alice", "shell": "/bin/zsh"},
                     {"name": "bob", "ssh_keys": [ED25519], "exclusive_keys": True}],
    "users_admin_group": "admins", "users_default_shell": "/bin/bash", "users_require_admin": True,
    "users_deploy_enabled": True, "users_deploy_name": "deploy", "users_deploy_ssh_keys": [ED25519],
}


def _blob(*parts: bytes) -> str:
    return base64.b64encode(b"".join(struct.pack(">I", len(p)) + p for p in parts)).decode()


def _keygen(tmp_path, kind, bits=None):
    path = tmp_path / f"k_{kind}_{bits}"
    cmd = ["ssh-keygen", "-q", "-N", "", "-t", kind, "-f", str(path)]
    if bits:
        cmd += ["-b", str(bits)]
    subprocess.run(cmd, check=True)
    return (path.parent / (path.name + ".pub")).read_text().strip()


def problems(**changes):
    return users_problems({**OK, **changes})


# --- ssh_key_problem --------------------------------------------------------------

@pytest.mark.parametrize("kind", ["ed25519", "ecdsa", "rsa"])
def test_real_keys_are_accepted(tmp_path, kind):
    assert ssh_key_problem(_keygen(tmp_path, kind)) == ""


def test_key_without_comment_is_accepted():
    assert ssh_key_problem(" ".join(ED25519.split()[:2])) == ""


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
    assert reason in ssh_key_problem(key)


def test_weak_rsa_key_is_refused(tmp_path):
    assert "RSA key of 1024 bits is too weak" in ssh_key_problem(_keygen(tmp_path, "rsa", 1024))


# --- users_present -----------------------------------------------------------------

def test_present_admins():
    admins = [{"name": "a"}, {"name": "b", "state": "present"}, {"name": "c", "state": "absent"},
              {"name": "d", "state": None}, "junk", None]
    assert [a["name"] for a in present(admins)] == ["a", "b", "d"]
    assert present([]) == [] and present(None) == []


# --- users_problems --------------------------------------------------------------

def test_good_inputs_pass():
    assert problems() == []
    # No deploy account: its name may then be an admin's, and its keys are not read.
    assert problems(users_deploy_enabled=False, users_deploy_ssh_keys="x",
                    users_admins=[{"name": "deploy", "ssh_keys": [ED25519]}]) == []
    # An absent admin needs no key; nobody present is fine when asked for.
    assert problems(users_admins=[{"name": "carol", "state": "absent"}], users_require_admin=False) == []


@pytest.mark.parametrize(
    ("admins", "expected"),
    [
        ([{"name": "Alice", "ssh_keys": [ED25519]}], 'users_admins["Alice"]: not a valid login name'),
        ([{"name": "a" * 33, "ssh_keys": [ED25519]}], "not a valid login name"),
        ([{"ssh_keys": [ED25519]}], "users_admins[null]: not a valid login name"),
        ([{"name": "root", "ssh_keys": [ED25519]}], 'users_admins["root"]: the name is reserved for a system or the '
                                                    "deploy account"),
        ([{"name": "deploy", "ssh_keys": [ED25519]}], 'users_admins["deploy"]: the name is reserved'),
        ([{"name": "alice", "ssh_keys": [ED25519]}] * 2, 'users_admins["alice"]: declared more than once'),
        ([{"name": "alice", "ssh_keys": [ED25519], "shell": "zsh"}], 'users_admins["alice"]: shell "zsh" is not an '
                                                                     "absolute path"),
        ([{"name": "alice"}], 'users_admins["alice"]: has no ssh_keys; an admin without a key cannot log in'),
        ([{"name": "alice", "ssh_keys": []}], "has no ssh_keys"),
        ([{"name": "alice", "ssh_keys": ["ssh-dss AAAA x"]}], 'users_admins["alice"].ssh_keys[0]: DSA keys are '
                                                              "obsolete"),
        ([{"name": "alice", "ssh_keys": [ED25519, ""]}], 'users_admins["alice"].ssh_keys[1]: empty key'),
        ([], "users_admins declares no present admin; the server would have nobody who can log in"),
        ([{"name": "alice", "state": "absent"}], "users_admins declares no present admin"),
    ],
)
def test_bad_admins_are_named(admins, expected):
    found = problems(users_admins=admins)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"users_admin_group": "Admins"}, 'users_admin_group "Admins" is not a valid group name'),
        ({"users_default_shell": "bash"}, 'users_default_shell "bash" is not an absolute path'),
        ({"users_deploy_name": "root"}, 'users_deploy_name "root" is not a usable login name'),
        ({"users_deploy_name": "Deploy"}, 'users_deploy_name "Deploy" is not a usable login name'),
        ({"users_deploy_ssh_keys": ["ssh-foo AAAA x"]}, "users_deploy_ssh_keys[0]: unknown or unsupported key type"),
    ],
)
def test_bad_settings_are_named(changes, expected):
    found = problems(**changes)
    assert any(expected in p for p in found), found


def test_a_string_where_a_list_is_expected_is_one_message():
    for changes, start in [
        ({"users_admins": "alice"}, "users_admins must be a list of {name, ssh_keys, ...} (found "),
        ({"users_deploy_ssh_keys": ED25519}, "users_deploy_ssh_keys must be a list of public key lines (found "),
        ({"users_admins": [{"name": "alice", "ssh_keys": ED25519}]},
         'users_admins["alice"].ssh_keys must be a list of public key lines (found '),
    ]:
        found = problems(**changes)
        assert len(found) == 1 and found[0].startswith(start), found


def test_a_name_that_is_no_text_is_a_message():
    found = problems(users_admins=[{"name": ["alice"], "ssh_keys": [ED25519]}])
    assert any("not a valid login name" in p for p in found)


def test_the_filters_are_published():
    assert users.FilterModule().filters() == {"users_problems": users_problems, "users_present": present,
                                              "users_ssh_key_problem": ssh_key_problem}
