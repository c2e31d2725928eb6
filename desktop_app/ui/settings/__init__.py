"""Parts of the 设置 section (models and dialogs it uses)."""
