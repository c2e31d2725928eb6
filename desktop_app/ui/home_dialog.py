"""The dialog for a data folder the program cannot write in (start-up, before the window).

Says which folder, why, and what to do: choose another folder for this run, have the folder
made writable, or set UNION_COUNTER_HOME for good (how, on Windows); or quit. Tests replace
`ask_for_folder` and `tell` (monkeypatch) to read the text without a modal loop.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop_app.services.data_folder import HOME_VARIABLE, FolderProblem

TITLE = "数据文件夹不能写入"
SETTINGS_TITLE = "本机设置不能使用"


def explain(problem: FolderProblem, *, choose: bool = True, fixed: bool = False) -> str:
    """The dialog's text (`choose`: with the button to choose another folder; `fixed`: IT set
    the folder for this PC in the machine-wide file)."""
    ways = []
    if choose:
        ways.append(
            "点“选择其他文件夹”，本次改用一个可以写入的文件夹（例如 D:\\union-counter）；"
            "下次启动仍用原来的文件夹。"
        )
    ways.append("请管理员给这个文件夹写入权限（或换一个不是只读的磁盘），然后重新启动程序。")
    if fixed:
        ways.append(
            "这台电脑的数据文件夹由管理员在本机设置文件中设定，不能自行改用别的文件夹："
            "请联系管理员。"
        )
    else:
        ways.append(
            f"长期改用别的文件夹：设置环境变量 {HOME_VARIABLE}，值为那个文件夹的完整路径。"
            "Windows 上：在开始菜单中搜索“环境变量”，或打开 系统属性 → 高级 → 环境变量，"
            f"在“用户变量”中点“新建”，变量名 {HOME_VARIABLE}，变量值如 D:\\union-counter，"
            "确定后重新启动程序。"
        )
    numbered = "\n".join(f"{n}. {way}" for n, way in enumerate(ways, 1))
    return (
        f"程序不能在数据文件夹中保存数据：\n{problem.folder}\n\n{problem.message}\n\n"
        "数据库、备份、日志和窗口设置都保存在这个文件夹中。可以：\n"
        f"{numbered}"
    )


def ask_for_folder(problem: FolderProblem, text: str) -> Path | None:
    """选择其他文件夹 (then a folder chooser) or 退出; the folder chosen, or None to quit."""
    while True:
        box = QMessageBox(
            QMessageBox.Icon.Warning, TITLE, text, QMessageBox.StandardButton.NoButton
        )
        choose = box.addButton("选择其他文件夹(&C)…", QMessageBox.ButtonRole.AcceptRole)
        leave = box.addButton("退出(&Q)", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(choose)
        box.setEscapeButton(leave)
        box.exec()
        if box.clickedButton() is not choose:
            return None
        name = QFileDialog.getExistingDirectory(None, "选择数据文件夹", str(_start(problem)))
        if name:
            return Path(name)


def tell(text: str, *, title: str = TITLE) -> None:
    """The problem alone, with 退出 (nothing else can be done)."""
    box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.NoButton)
    box.addButton("退出(&Q)", QMessageBox.ButtonRole.RejectRole)
    box.exec()


def _start(problem: FolderProblem) -> Path:
    """Where the folder chooser opens: beside the folder that failed, if that can be read."""
    try:
        if problem.folder.parent.is_dir():
            return problem.folder.parent
    except OSError:
        pass
    return Path.home()
