"""Parts of the 受理 section: search box with results, form widgets, decision panel, dialogs."""
