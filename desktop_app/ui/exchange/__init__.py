"""台账's Excel windows: 导出 (the ledger as filtered), 交换文件 → 导出 (a station's batch for a
period) and 交换文件 → 导入 (batches at the district), with the row problems on screen.

The work is the services' (`services/ledger_export.py`, `services/exchange/`); these windows
choose the files (through `common`'s overridable dialogs), run the work off the GUI thread
with a progress bar and 取消, and say what happened.
"""
