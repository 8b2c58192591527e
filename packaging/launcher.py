"""The bundle's entry point: the ``xerodesk`` command, frozen.

The desktop app runs its sync passes in a child process started as
``sys.executable -c CODE`` (``xerodesk.session.RUNNER_COMMAND``). In a bundle
``sys.executable`` is this program, not a Python interpreter, so exactly that
command line (the app's own constant, compared in full) runs CODE here; any
other ``-c`` is refused like an unknown option.
"""

import sys


def _run() -> int:
    args = sys.argv[1:]
    if args[:1] == ["-c"]:
        from xerodesk.session import RUNNER_COMMAND

        if args != list(RUNNER_COMMAND[1:]):
            print("xerodesk: -c is not a xerodesk option (see 'xerodesk --help')", file=sys.stderr)
            return 2
        exec(compile(RUNNER_COMMAND[2], "<runner>", "exec"), {"__name__": "__main__"})
        return 0
    from xerodesk.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(_run())
