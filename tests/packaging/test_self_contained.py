"""The repository carries everything its build, tests and docs need: no code,
test, script or document names a path that leaves it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: what the project's own files are (the vendored third-party folder is not)
CHECKED = ["xerodesk", "tests", "scripts", "benchmarks", "packaging", "resources", "docs", ".ci"]
FILES = ["Makefile", "pyproject.toml", "README.md", "RELIABILITY.md"]
SUFFIXES = {".py", ".md", ".toml", ".cfg", ".ini", ".txt", ".sh", ".spec", ".service", ""}
LEAVING = [
    re.compile(r"\.\./"),  # a relative path up and out
    re.compile(r"""["']\.\.["']"""),  # the same as a part of a joined path
    re.compile(r"parents\[\d+\]\s*\.parent\b"),  # the repository root's parent
    re.compile(r"""["']shared["']\s*/|/\s*["']shared["']"""),  # a folder beside the clone
]
# (spelt apart, so that this file passes its own check)
UP, BESIDE = "." + ".", "sha" + "red"


def project_files() -> list[Path]:
    found = [ROOT / name for name in FILES]
    for top in CHECKED:
        found += [
            path
            for path in (ROOT / top).rglob("*")
            if path.is_file()
            and path.suffix in SUFFIXES
            and "__pycache__" not in path.parts
            and not path.name.endswith(".json")
        ]
    return found


def test_the_check_sees_the_project() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in project_files()}
    assert {"Makefile", ".ci/run", "scripts/uv", "tests/conftest.py", "xerodesk/cli.py"} <= names
    samples = [
        f"open('{UP}/{BESIDE}/docs/crm-schema.md')",
        f'SPEC = ROOT / "{UP}" / "x"',
        "Path(__file__).parents[2]" + ".parent / 'x'",
        f'ROOT.parent / "{BESIDE}" / "docs"',
    ]
    for pattern, sample in zip(LEAVING, samples, strict=True):
        assert pattern.search(sample), sample
    inside = ["Path(__file__).resolve().parents[2] / 'docs'", "``POST /_sandbox/counters/reset``"]
    assert not any(pattern.search(line) for pattern in LEAVING for line in inside)


def test_no_path_leaves_the_repository() -> None:
    leaving = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in project_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(pattern.search(line) for pattern in LEAVING)
    ]
    assert not leaving, "\n".join(leaving)
