"""Role postgresql, from the outside: the apps host (server1) logs in over TLS
with the derived passwords and works; wrong passwords, other apps' databases,
the superuser over TCP and plaintext connections are refused; an outside
container reaches neither server; data survives a restart; bad input stops
the run before anything changes."""

from __future__ import annotations

import shlex

import pytest
from lab_helpers import MASTER_SECRET, PG_HELLO, address, assert_rejected, derived_secret, hosts, outsider, run_playbook, unchanged_hosts

CONVERGE = "molecule/postgresql/converge.yml"
MAJORS = {"12": "15", "13": "17"}


def psql(client, server_address: str, user: str, database: str, sql: str, password: str | None = None,
         sslmode: str = "require"):
    """psql on the client host, over TCP to the server, as an application connects."""
    password = derived_secret(f"postgresql/{user}") if password is None else password
    conninfo = f"host={server_address} port=5432 dbname={database} user={user} sslmode={sslmode} connect_timeout=5"
    return client.run(
        f"PGPASSWORD={shlex.quote(password)} psql {shlex.quote(conninfo)} --no-psqlrc --quiet -At -v ON_ERROR_STOP=1 "
        f"-c {shlex.quote(sql)}"
    )


def local_sql(host, sql: str, database: str = "postgres") -> str:
    return host.check_output(f"runuser -u postgres -- psql --no-psqlrc -At -d {database} -c {shlex.quote(sql)}")


def test_debian_major_on_each_release(server):
    release = server.system_info.release.split(".")[0]
    version = local_sql(server, "SHOW server_version_num")
    assert version.startswith(MAJORS[release]), (release, version)


def test_server_settings(server):
    settings = dict(line.split("|", 1) for line in local_sql(
        server, "SELECT name, setting FROM pg_settings WHERE name IN "
                "('ssl', 'password_encryption', 'listen_addresses', 'shared_buffers', 'random_page_cost')").splitlines())
    assert settings["ssl"] == "on"
    assert settings["password_encryption"] == "scram-sha-256"
    assert settings["listen_addresses"] == f"localhost,{address(server)}"
    assert int(settings["shared_buffers"]) > 16384, "shared_buffers still at Debian's 128MB: the tuning did not apply"
    assert settings["random_page_cost"] == "1.1"
    # Listening on localhost and the server's own address only, never on all.
    listening = server.check_output("ss -Hltn 'sport = :5432' | awk '{print $4}'").split()
    assert f"{address(server)}:5432" in listening and "127.0.0.1:5432" in listening
    assert not any(a.startswith(("0.0.0.0:", "*:", "[::]:")) for a in listening), listening


def test_apps_host_works_over_tls(apps, server):
    target = address(server)
    run = psql(apps, target, "n8n", "n8n",
               "CREATE TABLE IF NOT EXISTS molecule_probe (id serial PRIMARY KEY, note text);"
               "INSERT INTO molecule_probe (note) VALUES ('from the apps host');"
               "SELECT count(*) > 0 FROM molecule_probe WHERE note = 'from the apps host';"
               "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();")
    assert run.rc == 0, run.stderr
    assert run.stdout.split() == ["t", "t"], run.stdout


def test_extension_in_its_database(apps, server):
    run = psql(apps, address(server), "directus", "directus", "SELECT length(gen_random_bytes(8))")
    assert run.rc == 0 and run.stdout.strip() == "8", run.stderr


@pytest.mark.parametrize("user,database,password,sslmode,expected", [
    ("n8n", "n8n", "wrong-password-wrong-password", "require", "password authentication failed"),
    ("n8n", "directus", None, "require", "pg_hba.conf rejects connection"),
    ("postgres", "postgres", "anything-anything", "require", "pg_hba.conf rejects connection"),
    ("n8n", "n8n", None, "disable", "pg_hba.conf rejects connection"),
])
def test_apps_host_refused(apps, server, user, database, password, sslmode, expected):
    run = psql(apps, address(server), user, database, "SELECT 1", password=password, sslmode=sslmode)
    assert run.rc != 0, f"{user}@{database} ({sslmode}) was let in"
    assert expected in run.stderr, run.stderr


def test_no_password_is_stored_in_clear(server):
    stored = local_sql(server, "SELECT rolname || ' ' || left(rolpassword, 14) FROM pg_authid WHERE rolname IN ('n8n', 'directus') ORDER BY 1")
    assert stored.splitlines() == ["directus SCRAM-SHA-256$", "n8n SCRAM-SHA-256$"]


def test_outsider_reaches_neither_server():
    targets = [address(h) for h in hosts()]
    with outsider(240) as client:
        code = PG_HELLO + "".join(f"print(pg_hello({t!r}, 5432, 'n8n', 'n8n'))\n" for t in targets)
        run = client.python(code, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:len(targets)] == ["filtered"] * len(targets), run.stdout


def test_data_survives_a_restart(apps, server):
    target = address(server)
    run = psql(apps, target, "n8n", "n8n", "CREATE TABLE IF NOT EXISTS kept (v text); INSERT INTO kept VALUES ('before restart')")
    assert run.rc == 0, run.stderr
    release = server.system_info.release.split(".")[0]
    server.check_output(f"systemctl restart postgresql@{MAJORS[release]}-main")
    run = psql(apps, target, "n8n", "n8n", "SELECT count(*) FROM kept WHERE v = 'before restart'")
    assert run.rc == 0 and int(run.stdout) >= 1, run.stderr


def test_dry_run_of_a_change_reports_it_and_writes_nothing():
    """--check with a new setting: the reload is reported, PostgreSQL is not asked
    about files that were not written, nothing fails and no file changes."""
    with unchanged_hosts():
        run = run_playbook(CONVERGE, {"postgresql_settings": {"work_mem": "8MB"}}, "--check", "--diff")
    assert run.rc == 0, run.output[-3000:]
    recap = run.recap()
    assert recap and all(c.get("failed", 0) == 0 and c.get("changed", 0) > 0 for c in recap.values()), recap
    assert "work_mem = '8MB'" in run.output or "work_mem = 8MB" in run.output, run.output[-3000:]
    assert "RUNNING HANDLER [postgresql : Reload PostgreSQL]" in run.output


# One refused input proves, on real hosts, that nothing changes (a check that needs
# the host's facts); every other bad input of this role is a unit test
# (tests/unit/test_filter_postgresql.py, test_preflight.py).
@pytest.mark.parametrize("extra,expected", [
    ({"postgresql_memory_mb": 100000000}, ["postgresql_memory_mb is 100000000 MB but server", "MB of RAM"]),
])
def test_bad_input_is_refused_before_any_change(extra, expected):
    before = {h.backend.get_hostname(): h.check_output("sha256sum /etc/postgresql/*/main/pg_hba.conf") for h in hosts()}
    with unchanged_hosts():
        run = run_playbook(CONVERGE, extra)
    assert_rejected(run, *expected)
    assert MASTER_SECRET not in run.output
    after = {h.backend.get_hostname(): h.check_output("sha256sum /etc/postgresql/*/main/pg_hba.conf") for h in hosts()}
    assert after == before
