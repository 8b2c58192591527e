"""``xerodesk defaults``: the machine-wide defaults file, as xerodesk reads it.

For the installer who wrote the file: which file is read on this computer,
what it sets, or the one line that says what is wrong with it.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from xerodesk.machine_defaults import DEFAULTS_ENV, defaults_path, load_machine_defaults


def add_defaults_parser(commands: argparse._SubParsersAction[Any]) -> None:
    defaults = commands.add_parser(
        "defaults",
        help="show the machine-wide defaults file and what it sets",
        description="Show where the machine-wide defaults are read from on this computer "
        f"(${DEFAULTS_ENV}, else the platform's place) and what they set: the database, "
        "the Xero app's client id and options for new databases. A mistake in the file "
        "is reported and exits 2.",
    )
    defaults.add_argument("--json", action="store_true", help="print JSON")
    defaults.set_defaults(handler=_cmd_defaults)


def _cmd_defaults(args: argparse.Namespace) -> int:
    found = load_machine_defaults()
    if args.json:
        data = {
            "looked_at": str(defaults_path()),
            "file": str(found.path) if found.path else None,
            "database": found.database,
            "client_id": found.client_id,
            "options": dict(found.options),
        }
        print(json.dumps(data, indent=2))
        return 0
    if found.path is None:
        where = defaults_path()
        print(f"No machine-wide defaults file at {where}: every setting is the user's own.")
        return 0
    print("\n".join(found.lines()))
    return 0
