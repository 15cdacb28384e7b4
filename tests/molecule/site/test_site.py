"""The whole site.yml on both lab-like servers: wiring across roles and hosts."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
import time

import yaml
from lab_helpers import (
    PG_HELLO,
    PROBE,
    acme_client,
    acme_orders,
    address,
    assert_rejected,
    busybox_image,
    derived_secret,
    hosts,
    outsider,
    report,
    run_playbook,
    unchanged_hosts,
)



def test_root_group_vars_reach_every_host(host):
    """group_vars/all/main.yml (beside site.yml) is loaded for the imported playbooks."""
    name = host.backend.get_hostname()
    group = {"server1": "apps", "server2": "data"}[name]
    motd = host.file("/etc/motd").content_string
    assert f"tapbot platform (molecule): {name} [{group}]" in motd


def test_foundation_applied(host):
    assert host.check_output("timedatectl show -p Timezone --value") == "Asia/Almaty"
    assert host.user("tapadmin").exists and "admins" in host.user("tapadmin").groups
    assert host.run("sudo -u deploy sudo -n true").rc == 0
    assert host.service("fail2ban").is_running
    assert "sshd" in host.check_output("fail2ban-client status")


def test_admin_logs_in_with_key_only(host):
    target = address(host)
    base = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10"]
    key = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "id_tapadmin")
    ok = subprocess.run([*base, "-i", key, f"tapadmin@{target}", "sudo -n id -u"], capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0 and ok.stdout.strip() == "0", ok.stderr
    refused = subprocess.run([*base, "-o", "PubkeyAuthentication=no", f"tapadmin@{target}", "true"],
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode == 255 and "Permission denied (publickey)" in refused.stderr


def test_servers_reach_each_other_by_name():
    server1, server2 = hosts("server1")[0], hosts("server2")[0]
    # Docker's embedded DNS resolves the other lab server by its container name.
    assert server1.run("getent hosts server2").rc == 0
    assert server2.run("getent hosts server1").rc == 0


def test_bad_input_on_one_host_stops_every_host():
    """One host's bad value stops the run before any host changes (validation first, any_errors_fatal)."""
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        yaml.safe_dump({"all": {"hosts": {"server2": {"base_timezone": "Asia/Atlantis"}}}}, f)
        f.flush()
        with unchanged_hosts():
            run = run_playbook("site.yml", None, "-i", f.name)
    assert_rejected(run, 'base_timezone "Asia/Atlantis" is not a known time zone')


def _changed_tasks(output: str) -> dict[str, list[str]]:
    """Per host, the tasks a run reported as changed (from the default callback's lines)."""
    changed: dict[str, list[str]] = {}
    task = ""
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line[len("TASK ["):line.rindex("]")]
        elif line.startswith("changed: ["):
            host = line[len("changed: ["):].split("]")[0]
            changed.setdefault(host, []).append(task)
    return changed


def test_dry_run_of_the_converged_platform_fails_nothing_and_writes_nothing():
    """`site.yml --check --diff` is how an operator asks what a run would change: on the
    converged platform it must get through every play and report no change, touching
    no file. Where Qdrant's image cannot be had (the lab skips its container), the dry
    run predicts the same skip instead of a pull and a container."""
    with unchanged_hosts():
        run = run_playbook("site.yml", None, "--check", "--diff")
    assert run.rc == 0, run.output[-3000:]
    recap = run.recap()
    assert set(recap) == {"server1", "server2"} and all(c.get("failed", 0) == 0 for c in recap.values()), recap
    assert _changed_tasks(run.output) == {}


def test_servers_never_ban_each_other():
    """fail2ban ignores the other server: failed logins from server1 do not get it banned on server2."""
    server1, server2 = hosts("server1")[0], hosts("server2")[0]
    source, target = address(server1), address(server2)
    assert source in server2.check_output("fail2ban-client get sshd ignoreip")
    for i in range(6):  # more than fail2ban_sshd_maxretry (5)
        server1.run(f"timeout 15 ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                    f"nosuchuser{i}@{target} true")
    time.sleep(3)
    assert source not in server2.check_output("fail2ban-client status sshd")
    # No ban rule for it (server1 is also an allowed source of the data ports).
    bans = [line for line in server2.check_output("ufw status").splitlines()
            if source in line and ("DENY" in line or "REJECT" in line)]
    assert not bans, bans
    assert server1.run(f"timeout 3 bash -c '</dev/tcp/{target}/22'").rc == 0


def test_published_port_not_declared_is_closed_to_everyone_outside():
    """Docker starts after UFW here: the DOCKER-USER chain still binds what it publishes."""
    server1, server2 = hosts("server1")[0], hosts("server2")[0]
    target = address(server2)
    image = busybox_image(server2, "tapbot/busybox:site")
    server2.check_output(f"docker run -d --name published -p 8085:8085 {image} /bin/busybox httpd -f -p 8085 -h /bin")
    try:
        assert server2.run("timeout 5 bash -c '</dev/tcp/127.0.0.1/8085'").rc == 0  # it does listen
        with outsider(200) as client:
            assert client.probe(target, 8085) == "filtered"
        assert server1.run(f"timeout 3 bash -c '</dev/tcp/{target}/8085'").rc == 124  # filtered
    finally:
        server2.run("docker rm -f published")


def test_traefik_is_the_edge_of_the_apps_server_only():
    """server1 answers on 80/443 through UFW; server2 publishes nothing there."""
    server1, server2 = hosts("server1")[0], hosts("server2")[0]
    with outsider(200) as client:
        assert client.probe(address(server1), 443) == "open"
        assert client.probe(address(server1), 80) == "open"
        assert client.probe(address(server2), 443) == "filtered"
    assert server2.run("docker inspect traefik").rc != 0


def test_dashboard_failed_logins_are_banned_by_fail2ban(capsys):
    """Real Traefik writes the 401s, fail2ban's Traefik jail reads them and bans through UFW
    (a route rule: 443 is a port Docker publishes)."""
    server1 = hosts("server1")[0]
    target, name = address(server1), "traefik.tapbot.test"
    password = derived_secret("traefik/dashboard")
    with acme_client(230) as admin:
        curl = f"curl -sS -o /dev/null -w '%{{http_code}}' --max-time 5 --cacert /root/root.pem --resolve {name}:443:{target}"
        # The certificate is Pebble's (the chain verifies) and the right password works.
        ok = admin.run(f"{curl} -u admin:{password} https://{name}/api/overview")
        assert ok.stdout == "200", ok.stdout + ok.stderr
        try:
            start = time.time()
            for i in range(5):
                assert admin.run(f"{curl} -u admin:wrong-{i} https://{name}/api/overview").stdout == "401"
            deadline = start + 30
            while time.time() < deadline and admin.probe(target, 443) == "open":
                time.sleep(0.5)
            assert admin.probe(target, 443) != "open", "5 failed dashboard logins did not get the source banned"
            report(capsys, f"site: Traefik dashboard attacker banned {time.time() - start:.1f} s after the first failed login")
            banned = server1.check_output("fail2ban-client status traefik-auth")
            assert admin.address in banned
        finally:
            server1.run(f"fail2ban-client set traefik-auth unbanip {admin.address}")
        assert admin.probe(target, 443) == "open"




def test_data_server_admits_the_apps_server_only():
    """group_vars/data: PostgreSQL, Redis and Qdrant's port reachable from server1 (apps) only,
    pg_hba.conf admits its address for each app's own database, and the derived passwords work."""
    server1, server2 = hosts("server1")[0], hosts("server2")[0]
    target = address(server2)
    password = derived_secret("redis/n8n")
    code = PG_HELLO + f"""
import json
print(pg_hello({target!r}, 5432, "n8n", "n8n"))
print(pg_hello({target!r}, 5432, "n8n", "directus"))
print(json.dumps(redis_session({target!r}, [["AUTH", "n8n", {password!r}], ["SET", "n8n:site", "from-apps"],
                                            ["GET", "n8n:site"], ["FLUSHALL"]])))
"""
    run = server1.run(f"python3 -c {shlex.quote(code)}")
    assert run.rc == 0, run.stderr
    scram, other_db, redis = run.stdout.splitlines()
    assert scram == "auth 10", scram  # the server asks n8n for its SCRAM password
    assert "pg_hba.conf rejects connection" in other_db, other_db
    replies = json.loads(redis)
    assert replies[:3] == ["+OK", "+OK", "from-apps"] and replies[3].startswith("-NOPERM"), redis
    with outsider(200) as client:
        seen = client.python(PROBE + "".join(f"print(probe({target!r}, {p}))\n" for p in (5432, 6379, 6333)), timeout=60)
    assert seen.stdout.split() == ["filtered"] * 3, seen.stdout


def _reboot(names: list[str]) -> None:
    """Restart the servers' containers as a reboot: systemd starts again as PID 1,
    /run is empty again, every service comes back by itself or not at all."""
    subprocess.run(["docker", "restart", "--time", "30", *names], check=True, capture_output=True, timeout=180)
    deadline = time.monotonic() + 180
    for name in names:
        # Until systemd listens on its bus, systemctl cannot ask it: try again.
        while True:
            state = subprocess.run(["docker", "exec", name, "timeout", "180", "systemctl", "is-system-running", "--wait"],
                                   capture_output=True, text=True, timeout=200)
            if state.stdout.strip() or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert state.stdout.strip() in ("running", "degraded"), (name, state.stdout, state.stderr)


def test_a_reboot_brings_everything_back_by_itself(capsys):
    """Both servers restarted (last: the other tests are done): the firewall with the
    rules that bind Docker's published ports, fail2ban with its bans, Docker's containers,
    Traefik serving the certificate it had (no new order), PostgreSQL and Redis with their data."""
    server1, server2 = hosts("server1")[0], hosts("server2")[0]
    banned = "198.18.64.199"
    redis = f"redis-cli --no-auth-warning --user admin --pass {shlex.quote(derived_secret('redis/admin'))}"
    server2.check_output("sudo -u postgres psql -d n8n -qc "
                         "\"CREATE TABLE IF NOT EXISTS reboot_probe (note text); INSERT INTO reboot_probe VALUES ('kept')\"")
    assert server2.check_output(f"{redis} SET tapbot:reboot kept") == "OK"
    server2.check_output(f"fail2ban-client set sshd banip {banned}")
    # The dashboard is the site's one route so far: its certificate is Pebble's (verified), kept in acme.json.
    name, target = "traefik.tapbot.test", address(server1)
    serial = (f"openssl s_client -connect {target}:443 -servername {name} -verify_return_error -CAfile /root/root.pem "
              "</dev/null 2>/dev/null | openssl x509 -noout -serial")
    with acme_client(231) as client:
        before = client.run(serial).stdout.strip()
    assert before.startswith("serial="), before
    orders = acme_orders()

    start = time.monotonic()
    _reboot(["server1", "server2"])
    report(capsys, f"site: both servers rebooted and running again in {time.monotonic() - start:.0f} s")

    for host in (server1, server2):
        assert "Status: active" in host.check_output("ufw status")
        chain = host.check_output("iptables -S DOCKER-USER")
        assert "-j ufw-user-forward" in chain and "--ctorigdstport" in chain, chain
        assert host.service("fail2ban").is_running and host.service("docker").is_running
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "healthy" not in server1.run(
            "docker inspect -f '{{.State.Health.Status}}' traefik").stdout:
        time.sleep(2)
    assert server1.check_output("docker inspect -f '{{.State.Health.Status}}' traefik") == "healthy"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and banned not in server2.run("fail2ban-client status sshd").stdout:
        time.sleep(1)
    assert banned in server2.check_output("fail2ban-client status sshd"), "the ban did not survive the reboot"
    with acme_client(232) as client:
        assert client.run(serial).stdout.strip() == before, "Traefik serves another certificate after the reboot"
        assert client.probe(target, 443) == "open" and client.probe(address(server2), 5432) == "filtered"
    assert acme_orders() == orders, "Traefik ordered a certificate again after the reboot"
    assert server2.check_output("sudo -u postgres psql -d n8n -tAc 'SELECT note FROM reboot_probe'") == "kept"
    assert server2.check_output(f"{redis} GET tapbot:reboot") == "kept"
    server2.run(f"fail2ban-client set sshd unbanip {banned}")
