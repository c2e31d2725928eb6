"""Entry point of the frozen bundle: the `main` of `union-counter` and `python -m desktop_app`."""

import sys

from desktop_app.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
