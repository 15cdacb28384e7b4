"""Role `base`, checked from the outside on every host of the scenario."""

from __future__ import annotations

import re
import uuid

import pytest
from lab_helpers import assert_rejected, in_container, run_playbook, unchanged_hosts

VALID_ADMIN = {
    "users_admins": [
        {
            "name": "alice",
            "ssh_keys": [
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGTwdMCjP9ImX77Sy3iB12QZIJmr3wqtITYAM2a2EtvI alice@molecule"
            ],
        }
    ]
}


def test_host_name_and_fqdn(host):
    name = host.backend.get_hostname()
    assert host.check_output("hostname") == f"{name}-base"
    assert host.check_output("hostname -f") == f"{name}-base.tapbot.test"
    assert host.file("/etc/hostname").content_string.strip() == f"{name}-base"


def test_time_zone_is_almaty(host):
    assert host.check_output("timedatectl show -p Timezone --value") == "Asia/Almaty"
    # Almaty has been UTC+5 all year since 2024.
    assert host.check_output("date +%z") == "+0500"


def test_locales_generated_and_default(host):
    assert "LANG=en_US.UTF-8" in host.check_output("localectl status")
    available = host.check_output("locale -a").split()
    assert {"en_US.utf8", "ru_RU.utf8"} <= set(available)
    # A program really speaks the second locale: month names in Russian.
    month = host.check_output("LC_ALL=ru_RU.UTF-8 date -d 2026-01-15 +%B")
    assert month == "января"


def test_login_banner(host):
    assert f"molecule {host.backend.get_hostname()}" in host.file("/etc/motd").content_string


def test_admin_utilities_run(host):
    for cmd in ("htop --version", "ncdu -v", "curl --version", "jq --version", "tmux -V", "dig -v", "file --version"):
        assert host.run(cmd).rc == 0, cmd
    assert host.check_output("echo '{\"a\": [1, 2]}' | jq -c '.a | length'") == "2"


def test_time_sync_configured(host):
    assert host.service("systemd-timesyncd").is_enabled
    config = host.check_output("systemd-analyze cat-config systemd/timesyncd.conf")
    assert "NTP=0.debian.pool.ntp.org" in config
    if in_container(host):
        pytest.skip("clock synchronisation itself: a container shares the host's clock, timesyncd refuses to run there")
    assert host.check_output("timedatectl show -p NTP --value") == "yes"


def test_unattended_upgrades_take_security_only(host):
    cfg = host.check_output("apt-config dump")
    assert 'APT::Periodic::Unattended-Upgrade "1";' in cfg
    assert 'Unattended-Upgrade::Automatic-Reboot "true";' in cfg
    assert 'Unattended-Upgrade::Automatic-Reboot-Time "03:15";' in cfg
    # Ask unattended-upgrade itself which origins it would take.
    codename = host.system_info.codename
    out = host.run("unattended-upgrade --dry-run --debug 2>&1 | head -n 40")
    assert "Allowed origins are:" in out.stdout, out.stdout
    allowed = next(line for line in out.stdout.splitlines() if "Allowed origins are:" in line)
    assert f"codename={codename}-security" in allowed
    # Debian's own list (50unattended-upgrades) was replaced, not appended to.
    assert "codename=" + codename + "-updates" not in allowed


def test_journal_is_persistent_and_capped(host):
    marker = f"tapbot-{uuid.uuid4()}"
    host.check_output(f"logger -t tapbot-test {marker} && journalctl --flush")
    # The message survives a restart of journald: it is on disk, not in /run.
    host.check_output("systemctl restart systemd-journald")
    assert marker in host.check_output("journalctl -t tapbot-test --no-pager -o cat")
    assert host.file("/var/log/journal").is_directory
    assert host.check_output("find /var/log/journal -name 'system*.journal' | wc -l") != "0"
    # journald reports the configured cap when it (re)opens the system journal.
    status = host.check_output("journalctl -u systemd-journald --no-pager -o cat | grep 'System Journal' | tail -n 1")
    assert re.search(r"max 256(\.0)?M", status), status


def test_kernel_settings_written(host):
    conf = host.file("/etc/sysctl.d/90-tapbot.conf").content_string
    for line in ("net.ipv4.ip_forward = 1", "kernel.kptr_restrict = 2", "net.ipv4.conf.all.rp_filter = 2",
                 "net.ipv4.conf.all.accept_redirects = 0", "vm.swappiness = 10"):
        assert line in conf
    # IPv6 forwarding stays untouched: switching it on would make the host ignore router advertisements.
    assert "net.ipv6.conf.all.forwarding" not in conf
    if in_container(host):
        pytest.skip("applying kernel settings: /proc/sys is read-only in a container (systemd-sysctl skips itself)")
    assert host.check_output("sysctl -n kernel.kptr_restrict") == "2"


def test_swap_file(host):
    swap = host.file("/swapfile")
    assert swap.exists and swap.mode == 0o600 and swap.user == "root"
    assert swap.size == 32 * 1024 * 1024
    assert "swap file" in host.check_output("file -b /swapfile").lower()
    assert host.run("grep -E '^/swapfile\\s+none\\s+swap\\s+sw' /etc/fstab").rc == 0
    if in_container(host):
        pytest.skip("activating swap: swapon needs the host kernel's permission, which containers do not have")
    assert "/swapfile" in host.file("/proc/swaps").content_string


# One refused input proves, on real hosts, that nothing changes; every other bad
# input of this role is a unit test (tests/unit/test_filter_base.py, test_preflight.py).
@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"base_timezone": "Mars/Olympus_Mons"}, "base_timezone \"Mars/Olympus_Mons\" is not a known time zone"),
    ],
    ids=["unknown-timezone"],
)
def test_bad_input_is_rejected_before_any_change(bad, named):
    with unchanged_hosts():
        run = run_playbook("playbooks/common.yml", {**VALID_ADMIN, **bad})
    assert_rejected(run, named)
