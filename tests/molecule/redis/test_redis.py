"""Role redis, from the outside: the apps host (server1) must authenticate,
its users may SET/GET within their prefix but not FLUSHALL, CONFIG or DEBUG;
the default user is off; an outside container cannot reach the port; data
survives a restart; the unit's sandboxing is intact; bad input stops the run."""

from __future__ import annotations

import shlex

import pytest
from lab_helpers import PROBE, address, assert_rejected, derived_secret, hosts, outsider, run_playbook, unchanged_hosts

CONVERGE = "molecule/redis/converge.yml"


def cli(client, target: str, *command: str, user: str | None = "n8n", password: str | None = None):
    """redis-cli on the client host, over TCP, as an application connects."""
    auth = ""
    if user:
        password = derived_secret(f"redis/{user}") if password is None else password
        auth = f"REDISCLI_AUTH={shlex.quote(password)} "
    args = " ".join(shlex.quote(c) for c in command)
    user_flag = f"--user {user} " if user else ""
    return client.run(f"{auth}redis-cli -h {target} -p 6379 {user_flag}--no-auth-warning {args}")


def test_authentication_is_required(apps, server):
    run = cli(apps, address(server), "GET", "n8n:x", user=None)
    assert "NOAUTH" in run.stdout + run.stderr, run.stdout


def test_wrong_password_is_refused(apps, server):
    run = cli(apps, address(server), "PING", password="wrong-password-wrong-password")
    assert "WRONGPASS" in run.stdout + run.stderr and "PONG" not in run.stdout


def test_default_user_is_off(apps, server):
    run = cli(apps, address(server), "PING", user="default", password="")
    assert "PONG" not in run.stdout, run.stdout


def test_app_user_sets_and_gets_within_its_prefix(apps, server):
    target = address(server)
    assert cli(apps, target, "SET", "n8n:probe", "hello").stdout.strip() == "OK"
    assert cli(apps, target, "GET", "n8n:probe").stdout.strip() == "hello"
    outside = cli(apps, target, "SET", "directus:probe", "x")
    assert "NOPERM" in outside.stdout, outside.stdout


@pytest.mark.parametrize("command", [["FLUSHALL"], ["FLUSHDB"], ["CONFIG", "GET", "*"], ["DEBUG", "SLEEP", "0"],
                                     ["SHUTDOWN", "NOSAVE"], ["KEYS", "*"]])
def test_app_user_cannot_run_dangerous_commands(apps, server, command):
    run = cli(apps, address(server), *command)
    # DEBUG is also off in the server itself (enable-debug-command no), which answers first.
    refusals = ("NOPERM", "DEBUG command not allowed") if command[0] == "DEBUG" else ("NOPERM",)
    assert any(r in run.stdout for r in refusals), f"{command}: {run.stdout} {run.stderr}"
    assert cli(apps, address(server), "PING").stdout.strip() == "PONG"


def test_acl_denies_the_dangerous_commands_to_app_users(server):
    """Whatever the server's own switches say, the ACL refuses these to n8n (ACL DRYRUN, as admin)."""
    admin = f"REDISCLI_AUTH={shlex.quote(derived_secret('redis/admin'))} redis-cli --user admin --no-auth-warning"
    for command in ("flushall", "flushdb", "config get '*'", "debug sleep 0", "shutdown", "keys '*'", "acl list"):
        out = server.check_output(f"{admin} ACL DRYRUN n8n {command}")
        assert "no permissions" in out, f"{command}: {out}"
    assert server.check_output(f"{admin} ACL DRYRUN n8n set n8n:x 1") == "OK"


def test_outsider_cannot_connect():
    targets = [address(h) for h in hosts()]
    with outsider(240) as client:
        run = client.python(PROBE + "".join(f"print(probe({t!r}, 6379))\n" for t in targets), timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["filtered"] * len(targets), run.stdout


def test_listens_on_localhost_and_its_address_only(server):
    listening = server.check_output("ss -Hltn 'sport = :6379' | awk '{print $4}'").split()
    assert f"{address(server)}:6379" in listening and "127.0.0.1:6379" in listening
    assert not any(a.startswith(("0.0.0.0:", "*:", "[::]:")) for a in listening), listening


def test_persistence_and_memory_settings(server):
    admin = f"REDISCLI_AUTH={shlex.quote(derived_secret('redis/admin'))} redis-cli --user admin --no-auth-warning"
    config = dict(zip(*[iter(server.check_output(f"{admin} CONFIG GET '*'").splitlines())] * 2))
    assert config["appendonly"] == "yes" and config["appendfsync"] == "everysec"
    assert config["save"] == "3600 1 300 100 60 10000"
    assert config["maxmemory"] == str(256 * 1024 * 1024) and config["maxmemory-policy"] == "noeviction"
    assert config["protected-mode"] == "yes"
    acl = server.file("/etc/redis/users.acl")
    assert acl.mode == 0o640 and derived_secret("redis/n8n") not in acl.content_string


def test_data_survives_a_restart(apps, server):
    target = address(server)
    assert cli(apps, target, "SET", "n8n:kept", "before restart").stdout.strip() == "OK"
    server.check_output("systemctl restart redis-server")
    for _ in range(20):
        got = cli(apps, target, "GET", "n8n:kept").stdout.strip()
        if got:
            break
        server.run("sleep 0.5")
    assert got == "before restart"


def test_a_rotated_master_secret_reaches_every_user(apps):
    """A new master secret changes every password, the admin's too: the run
    cannot ask the server (which knows the old admin password) to load the
    users, so it restarts it; then the old passwords fail and the new work."""
    rotated = "molecule-rotated-master-secret-0c1d"
    try:
        run = run_playbook(CONVERGE, {"tapbot_master_secret": rotated})
        assert run.rc == 0, run.output[-3000:]
        for server in hosts():
            target = address(server)
            new = derived_secret("redis/n8n", master=rotated)
            assert cli(apps, target, "SET", "n8n:rotated", "yes", password=new).stdout.strip() == "OK"
            old = cli(apps, target, "PING")
            assert "WRONGPASS" in old.stdout + old.stderr
    finally:
        back = run_playbook(CONVERGE)
    assert back.rc == 0, back.output[-3000:]
    for server in hosts():
        assert cli(apps, address(server), "GET", "n8n:rotated").stdout.strip() == "yes"


def test_dry_run_of_a_change_reports_it_and_writes_nothing():
    """--check with new users (a rotated secret) and a new memory ceiling: both
    handlers' paths run dry, the change is reported, no file is written."""
    rotated = "molecule-rotated-master-secret-0c1d"
    with unchanged_hosts():
        run = run_playbook(CONVERGE, {"tapbot_master_secret": rotated, "redis_maxmemory_mb": 300}, "--check", "--diff")
    assert run.rc == 0, run.output[-3000:]
    recap = run.recap()
    assert recap and all(c.get("failed", 0) == 0 and c.get("changed", 0) > 0 for c in recap.values()), recap
    assert "RUNNING HANDLER [redis : Restart Redis]" in run.output
    assert derived_secret("redis/n8n", master=rotated) not in run.output


def test_systemd_sandboxing_is_kept(server):
    props = dict(line.split("=", 1) for line in server.check_output(
        "systemctl show redis-server -p ProtectSystem -p PrivateTmp -p NoNewPrivileges -p User -p ActiveState").splitlines())
    assert props["ActiveState"] == "active" and props["User"] == "redis"
    assert props["ProtectSystem"] in ("full", "strict") and props["PrivateTmp"] == "yes" and props["NoNewPrivileges"] == "yes"
    assert not server.file("/etc/systemd/system/redis-server.service").exists
    assert not server.file("/etc/systemd/system/redis-server.service.d").exists


# One refused input proves, on real hosts, that nothing changes (a check that needs
# the host's facts); every other bad input of this role is a unit test
# (tests/unit/test_filter_redis.py, test_preflight.py).
@pytest.mark.parametrize("extra,expected", [
    ({"redis_maxmemory_mb": 100000000}, ["redis_maxmemory_mb is 100000000 MB but server", "MB of RAM"]),
])
def test_bad_input_is_refused_before_any_change(extra, expected):
    with unchanged_hosts():
        run = run_playbook(CONVERGE, extra)
    assert_rejected(run, *expected)
    assert derived_secret("redis/admin") not in run.output
