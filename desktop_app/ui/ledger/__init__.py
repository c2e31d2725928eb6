"""Widgets of the ledger section (台账): the filter bar and the application's detail dialog."""
