"""The command line's fixtures for every test module here (defined in test_store_cli.py)."""

from tests.cli.test_store_cli import cli, home, station  # noqa: F401  (fixtures)
