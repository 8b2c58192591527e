"""``python -m xerodesk`` runs the command line."""

from xerodesk.cli import main

raise SystemExit(main())
