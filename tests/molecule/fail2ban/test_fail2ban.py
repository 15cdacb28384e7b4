"""Role `fail2ban` (with `ufw`), attacked from outside: client containers on the
scenario's network play an outsider (.200, .201) and an admin (.241, inside the
ignored .240/28). Each server is attacked in turn; the tests of one server run
in file order."""

from __future__ import annotations

import re
import time

import pytest
from lab_helpers import WIRE, address, assert_rejected, hosts, outsider, report, run_playbook, unchanged_hosts

CONVERGE = "molecule/fail2ban/converge.yml"
BANTIME = 20  # fail2ban_bantime in molecule.yml
BAN_WITHIN = 30  # the bound, seconds from the first failed login
BANNED_AT: dict[str, float] = {}  # host -> when the first ban was seen

# Failed logins as unknown users, then the time until port 22 stops answering;
# and polling port 22 for a state (clients/wire.py): "<state> <seconds>".
ATTACK = WIRE + "print(ssh_attack({target!r}, {attempts}, {wait}))\n"
WAIT_FOR = WIRE + "print(wait_for({target!r}, {want!r}, {wait}))\n"

# A failed login as Traefik 3.7.15 writes it to its JSON access log (captured
# from the real binary behind a basic-auth middleware); address and time filled in.
TRAEFIK_401 = (
    '{{"ClientAddr":"{ip}:35088","ClientHost":"{ip}","ClientPort":"35088","ClientUsername":"{user}",'
    '"DownstreamContentSize":17,"DownstreamStatus":401,"Duration":433033,"GzipRatio":0,"OriginContentSize":0,'
    '"OriginDuration":0,"OriginStatus":0,"Overhead":433033,"RequestAddr":"n8n.tapbot.test","RequestContentSize":0,'
    '"RequestCount":1,"RequestHost":"n8n.tapbot.test","RequestMethod":"GET","RequestPath":"/x","RequestPort":"-",'
    '"RequestProtocol":"HTTP/1.1","RequestScheme":"https","RetryAttempts":0,"RouterName":"n8n@file",'
    '"StartLocal":"{time}","StartUTC":"{time}","entryPointName":"websecure","level":"info","msg":"",'
    '"time":"{time}"}}'
)


@pytest.fixture(scope="module")
def attacker():
    with outsider(200) as client:
        yield client


@pytest.fixture(scope="module")
def attacker2():
    with outsider(201) as client:
        yield client


@pytest.fixture(scope="module")
def admin():
    with outsider(241) as client:
        yield client


def _result(run) -> tuple[str, float]:
    assert run.returncode == 0, run.stderr
    state, seconds = run.stdout.split()
    return state, float(seconds)


def _banned(host, jail: str) -> list[str]:
    status = host.check_output(f"fail2ban-client status {jail}")
    m = re.search(r"Banned IP list:(.*)", status)
    return m.group(1).split() if m else []


def _wait_banned(host, jail: str, ip: str, timeout: float = BAN_WITHIN) -> float:
    start = time.monotonic()
    while ip not in _banned(host, jail):
        assert time.monotonic() - start < timeout, f"{ip} not banned by {jail} within {timeout} s"
        time.sleep(0.5)
    return time.monotonic() - start


def _ufw_rules_for(host, ip: str) -> list[str]:
    return [line for line in host.check_output("ufw status").splitlines() if ip in line]


def test_jails_run_on_the_journal(host):
    assert host.service("fail2ban").is_running
    assert host.service("fail2ban").is_enabled
    jails = host.check_output("fail2ban-client status")
    for jail in ("sshd", "recidive", "traefik-auth", "webmin-auth"):
        assert jail in jails
    # The sshd jail reads the journal (Debian 12 has no auth.log to read).
    assert not host.file("/var/log/auth.log").exists
    assert "Journal matches:" in host.check_output("fail2ban-client status sshd")


def test_outsider_is_banned_within_30_seconds_and_admin_never(host, attacker, admin, capsys):
    target = address(host)
    assert _result(attacker.python(WAIT_FOR.format(target=target, want="open", wait=5)))[0] == "open"
    admin_run = admin.python(ATTACK.format(target=target, attempts=4, wait=0))
    state, seconds = _result(attacker.python(ATTACK.format(target=target, attempts=4, wait=BAN_WITHIN)))
    report(capsys, f"{host.backend.get_hostname()}: first failed SSH login to ban (port 22 refused): {seconds} s")
    assert state == "refused", f"the attacker still reaches port 22 after {seconds} s"
    BANNED_AT[host.backend.get_hostname()] = time.monotonic()
    assert seconds <= BAN_WITHIN
    assert attacker.address in _banned(host, "sshd")
    rules = _ufw_rules_for(host, attacker.address)
    assert any(re.search(r"REJECT( IN)? .*by Fail2Ban after \d+ attempts against sshd", r) for r in rules), rules
    # The admin failed as often, from an ignored address: never banned.
    _result(admin_run)
    time.sleep(3)
    assert admin.address not in _banned(host, "sshd")
    assert _ufw_rules_for(host, admin.address) == []
    assert _result(admin.python(WAIT_FOR.format(target=target, want="open", wait=0)))[0] == "open"


def test_ban_lifts_after_bantime(host, attacker, capsys):
    target = address(host)
    state, seconds = _result(attacker.python(WAIT_FOR.format(target=target, want="open", wait=BANTIME + 40)))
    lifted = time.monotonic() - BANNED_AT.get(host.backend.get_hostname(), time.monotonic())
    report(capsys, f"{host.backend.get_hostname()}: ban lifted {lifted:.1f} s after it began (bantime {BANTIME} s)")
    assert state == "open"
    assert attacker.address not in _banned(host, "sshd")
    assert _ufw_rules_for(host, attacker.address) == []


def test_second_offence_is_banned_longer(host, attacker, capsys):
    target = address(host)
    state, _ = _result(attacker.python(ATTACK.format(target=target, attempts=4, wait=BAN_WITHIN)))
    assert state == "refused"
    try:
        with_time = host.check_output("fail2ban-client get sshd banip --with-time")
        m = re.search(rf"{re.escape(attacker.address)}\s+\S+ \S+ \+ (\d+) =", with_time)
        assert m, with_time
        report(capsys, f"{host.backend.get_hostname()}: second ban lasts {m.group(1)} s (first {BANTIME} s)")
        assert int(m.group(1)) > BANTIME, f"second ban lasts {m.group(1)} s, the first lasted {BANTIME} s"
    finally:
        host.check_output(f"fail2ban-client set sshd unbanip {attacker.address}")
    assert _result(attacker.python(WAIT_FOR.format(target=target, want="open", wait=10)))[0] == "open"


def test_recidive_counts_the_bans(host):
    """Two sshd bans so far on this host, both read back from fail2ban's own
    journal by recidive (before any restart of fail2ban: failure counts, unlike
    bans, do not survive one)."""
    start = time.monotonic()
    while True:  # recidive reads the journal about once a second
        status = host.check_output("fail2ban-client status recidive")
        total = int(re.search(r"Total failed:\s+(\d+)", status).group(1))
        if total >= 2 or time.monotonic() - start > 10:
            break
        time.sleep(1)
    assert total >= 2, status


def test_traefik_login_failures_ban_on_input_and_forward_paths(host, attacker2):
    target = address(host)
    log = "/var/log/traefik/access.log"
    now = host.check_output("date -u +%Y-%m-%dT%H:%M:%SZ")
    # A browser's first request carries no credentials and gets 401 too: not a failure.
    unauthenticated = "198.18.64.77"
    lines = [TRAEFIK_401.format(ip=unauthenticated, user="", time=now) for _ in range(5)]
    lines += [TRAEFIK_401.format(ip=attacker2.address, user=f"admin{i}", time=now) for i in range(3)]
    host.check_output(f"printf '%s\\n' {' '.join(repr(line) for line in lines)} >> {log}")
    _wait_banned(host, "traefik-auth", attacker2.address)
    assert unauthenticated not in _banned(host, "traefik-auth")
    # The jail's two actions run one after the other: give the second a moment.
    start = time.monotonic()
    while True:
        rules = _ufw_rules_for(host, attacker2.address)
        on_input = any(re.search(r"REJECT( IN)? ", r) for r in rules)  # the host's own ports
        on_forward = any("REJECT FWD" in r for r in rules)  # published ports (DOCKER-USER)
        if (on_input and on_forward) or time.monotonic() - start > 10:
            break
        time.sleep(0.5)
    assert on_input and on_forward, rules
    assert _result(attacker2.python(WAIT_FOR.format(target=target, want="refused", wait=5)))[0] == "refused"

    # A ban survives a restart of fail2ban (restored from its database).
    host.check_output("systemctl restart fail2ban")
    start = time.monotonic()
    while host.run("fail2ban-client ping").rc != 0:
        assert time.monotonic() - start < 30, "fail2ban did not come back"
        time.sleep(0.5)
    _wait_banned(host, "traefik-auth", attacker2.address, timeout=15)
    assert _result(attacker2.python(WAIT_FOR.format(target=target, want="refused", wait=10)))[0] == "refused"

    host.check_output(f"fail2ban-client set traefik-auth unbanip {attacker2.address}")
    assert _ufw_rules_for(host, attacker2.address) == []
    assert _result(attacker2.python(WAIT_FOR.format(target=target, want="open", wait=10)))[0] == "open"


def test_webmin_login_failures_from_the_journal_ban(host, attacker2):
    """Webmin cannot be installed here (its repository is out of reach); the
    lines are what Webmin's miniserv sends to syslog, under its identifier."""
    for i in range(3):
        host.check_output(f"logger -t webmin -p authpriv.notice 'Invalid login as admin{i} from {attacker2.address}'")
    _wait_banned(host, "webmin-auth", attacker2.address)
    assert _result(attacker2.python(WAIT_FOR.format(target=address(host), want="refused", wait=5)))[0] == "refused"
    host.check_output(f"fail2ban-client set webmin-auth unbanip {attacker2.address}")


# One refused input proves, on real hosts, that nothing changes; every other bad
# input of this role is a unit test (tests/unit/test_filter_fail2ban.py, test_preflight.py).
@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"fail2ban_bantime": "10 parsecs"}, "fail2ban_bantime is '10 parsecs'"),
    ],
    ids=["bad-duration"],
)
def test_bad_input_is_rejected_before_anything_changes(bad, named):
    with unchanged_hosts():
        run = run_playbook(CONVERGE, bad)
    assert_rejected(run, named)


def test_configuration_fail2ban_rejects_never_replaces_the_old_one():
    """Passes the controller's checks, fails `fail2ban-client -t` on the host."""
    servers = hosts()
    before = {h.backend.get_hostname(): (h.file("/etc/fail2ban/jail.local").sha256sum,
                                         h.check_output("fail2ban-client status")) for h in servers}
    run = run_playbook(CONVERGE, {"fail2ban_jails": {"broken": {"enabled": True, "filter": "nosuchfilter"}}})
    assert run.rc != 0, run.output[-3000:]
    assert "nosuchfilter" in run.output, run.output[-3000:]
    for h in servers:
        checksum, status = before[h.backend.get_hostname()]
        assert h.file("/etc/fail2ban/jail.local").sha256sum == checksum
        assert h.check_output("fail2ban-client status") == status
