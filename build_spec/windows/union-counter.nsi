; 职工技能补助柜台 — the Windows installer (NSIS 3, Unicode, Modern UI 2, pages in Chinese).
;
; Installs the PyInstaller folder (dist\union-counter: union-counter.exe, union-counter-cli.exe,
; _internal\) under Program Files, for all users of the PC (administrator rights):
;
;   makensis /DVERSION=0.1.0 /DPAYLOAD=dist\union-counter build_spec\windows\union-counter.nsi
;
; Defines (makensis /DNAME=value):
;   VERSION       required: pyproject.toml's version (winbuild.py version)
;   PAYLOAD       required: the PyInstaller folder to install (an absolute path, or one
;                 relative to this script's folder, where makensis works)
;   FILE_VERSION  four numbers for the version resource (winbuild.py file-version); default
;                 VERSION's first three numbers and .0
;   MIN_BUILD     the oldest Windows 10 build the bundle starts on (winbuild.py min-build
;                 PAYLOAD): 17763 (1809), or 18362 (1903) when its Qt imports icu.dll
;   PUBLISHER     winbuild.py publisher (pyproject.toml's first author)
;   OUTFILE       default dist\union-counter-VERSION-setup.exe (next to the payload's folder)
;
; The clerks' data is never touched: the per-user data folder (%LOCALAPPDATA%\union-counter)
; and the machine-wide settings (%PROGRAMDATA%\union-counter) belong to the program, not to its
; installation. Neither the installer nor the uninstaller names them (check_nsis.sh checks that
; this script deletes nothing outside the program's own folder, shortcuts and uninstall key).
;
; Exit codes (silent install /S, for IT): 0 installed; 1 cancelled; 2 the program was running
; and stayed open (nothing changed); 3 this Windows is not supported (nothing changed).
; See build_spec/README.md, "Windows".

!ifdef WINE_CHECK_AMD64
  ; Only for the behaviour check under Wine (check_wine.sh): the same script as a 64-bit
  ; installer, which a 64-bit-only Wine can run. The installer handed out stays 32-bit, so that
  ; 32-bit Windows shows its Chinese refusal instead of Windows' own error.
  Target amd64-unicode
!else
  Unicode true
!endif
ManifestDPIAware true
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "WinVer.nsh"
!include "x64.nsh"
!include "FileFunc.nsh"

!ifndef VERSION
  !error "VERSION is not defined: makensis /DVERSION=x.y.z (build_spec/windows/winbuild.py version)"
!endif
!ifndef PAYLOAD
  !error "PAYLOAD is not defined: makensis /DPAYLOAD=dist\union-counter"
!endif
!ifndef FILE_VERSION
  !searchparse /noerrors "${VERSION}" "" _V1 "." _V2 "." _V3
  !define FILE_VERSION "${_V1}.${_V2}.${_V3}.0"
!endif
!ifndef MIN_BUILD
  !define MIN_BUILD 17763
!endif
!if ${MIN_BUILD} < 17763
  !error "MIN_BUILD ${MIN_BUILD}: Qt 6 needs Windows 10 1809 (build 17763) at least"
!endif
!ifndef PUBLISHER
  !define PUBLISHER "Union counter team"
!endif
!ifndef OUTFILE
  !define OUTFILE "${PAYLOAD}\..\union-counter-${VERSION}-setup.exe"
!endif
!ifndef ICON
  ; makensis works in the script's folder (unless -NOCD): paths relative to it
  !define ICON "..\..\resources\icons\union-counter.ico"
!endif

!define APP_NAME "职工技能补助柜台"
!define APP_ID "union-counter"
!define EXE "union-counter.exe"
!define CLI_EXE "union-counter-cli.exe"
!define UNINSTALLER "uninstall.exe"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define START_MENU "$SMPROGRAMS\${APP_NAME}"
!define EXIT_RUNNING 2
!define EXIT_UNSUPPORTED 3

Name "${APP_NAME}"
Caption "${APP_NAME} ${VERSION} 安装"
UninstallCaption "${APP_NAME} ${VERSION} 卸载"
BrandingText "${APP_NAME} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP_ID}"
ShowInstDetails show
ShowUninstDetails show

; --- pages ----------------------------------------------------------------------------------
!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TITLE "安装 ${APP_NAME} ${VERSION}"
!define MUI_WELCOMEPAGE_TEXT "本向导把“${APP_NAME}”安装到这台电脑，供所有账户使用，并在开始菜单和桌面放上快捷方式。$\r$\n$\r$\n已装有旧版本时直接覆盖升级：安装前请先关闭正在运行的程序。$\r$\n$\r$\n各人的数据（%LOCALAPPDATA%\union-counter）和本机设置（%PROGRAMDATA%\union-counter）不在程序文件夹里，安装、升级和卸载都不会改动它们。$\r$\n$\r$\n$_CLICK"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
; No "run now" box: the installer runs as administrator, and the program started from it would
; run as that account and keep its data there, not in the clerk's own data folder.
!define MUI_FINISHPAGE_TITLE "${APP_NAME} 已安装"
!define MUI_FINISHPAGE_TEXT "请从桌面或开始菜单的“${APP_NAME}”启动程序。$\r$\n$\r$\n卸载：设置 → 应用 → 安装的应用（或控制面板 → 程序和功能）中的“${APP_NAME}”，或开始菜单中的“卸载${APP_NAME}”。"
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "SimpChinese"

; --- the installer's own version information ----------------------------------------------
VIProductVersion "${FILE_VERSION}"
VIFileVersion "${FILE_VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileDescription" "${APP_NAME} 安装程序"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "LegalCopyright" "© ${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "OriginalFilename" "union-counter-${VERSION}-setup.exe"

; --- the program's files ----------------------------------------------------------------------
; Every name the program has had at the top of its folder (PyInstaller's two executables and
; _internal\, the licence notices). An upgrade removes them before copying the new version, so
; a file the old version had and the new one lacks does not stay behind; the uninstaller
; removes the same. Only these names: a folder chosen by hand (/D=) may hold other things.
; check_nsis.sh fails when the bundle has a top-level name missing here: add it, never remove.
!macro REMOVE_PROGRAM_FILES
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\THIRD-PARTY-NOTICES"
!macroend

; Is the program running? A running .exe, and a DLL a running process has loaded, cannot be
; opened for writing on Windows (sharing violation), for whichever account, session or console
; started it; this needs no plugin and no help from the program. Both executables load the
; same python3*.dll from _internal\, so that DLL also answers for any copy started by hand.
; $0: the first file in use, "" when none.
!macro _FILE_IN_USE path
  ${If} $0 == ""
  ${AndIf} ${FileExists} "${path}"
    ClearErrors
    FileOpen $1 "${path}" a
    ${If} ${Errors}
      StrCpy $0 "${path}"
    ${Else}
      FileClose $1
    ${EndIf}
  ${EndIf}
!macroend

!macro PROGRAM_CHECKS un action
Function ${un}FileInUse
  StrCpy $0 ""
  !insertmacro _FILE_IN_USE "$INSTDIR\${EXE}"
  !insertmacro _FILE_IN_USE "$INSTDIR\${CLI_EXE}"
  FindFirst $2 $3 "$INSTDIR\_internal\python3*.dll"
  ${DoWhile} $3 != ""
    !insertmacro _FILE_IN_USE "$INSTDIR\_internal\$3"
    FindNext $2 $3
  ${Loop}
  FindClose $2
FunctionEnd

; Waits until the program is closed (重试) or gives up (取消; silent: at once), exit code 2.
Function ${un}WaitUntilClosed
  ${Do}
    Call ${un}FileInUse
    ${If} $0 == ""
      Return
    ${EndIf}
    DetailPrint "程序正在运行：$0 正被使用"
    ${IfNot} ${Cmd} `MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "“${APP_NAME}”正在运行，现在不能${action}。$\r$\n$\r$\n请在这台电脑的所有账户中关闭程序（包括命令行窗口中的 union-counter），然后点“重试”。$\r$\n$\r$\n正被使用的文件：$0" /SD IDCANCEL IDRETRY`
      SetErrorLevel ${EXIT_RUNNING}
      Abort "“${APP_NAME}”正在运行：没有做任何改动。"
    ${EndIf}
  ${Loop}
FunctionEnd
!macroend
!insertmacro PROGRAM_CHECKS "" "安装"
!insertmacro PROGRAM_CHECKS "un." "卸载"

; --- which Windows ----------------------------------------------------------------------------
Function RefuseWindows
  ; $0: why, in Chinese
  MessageBox MB_OK|MB_ICONSTOP "无法安装“${APP_NAME}”：$0$\r$\n$\r$\n本程序支持 64 位的 Windows 10 1809（内部版本 17763）及更新版本和 Windows 11。" /SD IDOK
  SetErrorLevel ${EXIT_UNSUPPORTED}
  Quit
FunctionEnd

Function .onInit
  SetShellVarContext all
  SetRegView 64
  ${WinVerGetBuild} $R0
  ${IfNot} ${RunningX64}
    StrCpy $0 "这是 32 位的 Windows。本程序只有 64 位版本，请在 64 位的 Windows 上安装。"
    Call RefuseWindows
  ${EndIf}
  ${IfNot} ${AtLeastWin10}
  ${OrIfNot} ${AtLeastBuild} 17763
    StrCpy $0 "这台电脑的 Windows 版本太旧（内部版本 $R0）。程序所用的 Qt 6 需要 Windows 10 1809 或更新版本：请先升级 Windows。"
    Call RefuseWindows
  ${EndIf}
  !if ${MIN_BUILD} > 17763
  ${IfNot} ${AtLeastBuild} ${MIN_BUILD}
    StrCpy $0 "这台电脑是 Windows 10 内部版本 $R0。本版程序所用的 Qt 需要 Windows 自带的 icu.dll，它从 Windows 10 1903（内部版本 18362）起才有：请先把 Windows 升级到 1903 或更新版本。"
    Call RefuseWindows
  ${EndIf}
  !endif
  ${If} ${IsNativeARM64}
  ${AndIfNot} ${AtLeastBuild} 22000
    StrCpy $0 "这是 ARM 处理器上的 Windows 10，不能运行 64 位（x64）程序；Windows 11 可以。"
    Call RefuseWindows
  ${EndIf}
  ; An upgrade goes where the installed version is, unless /D= names another folder.
  ReadRegStr $1 HKLM "${UNINST_KEY}" "InstallLocation"
  ${If} $1 != ""
  ${AndIf} $INSTDIR == "$PROGRAMFILES64\${APP_ID}"
    StrCpy $INSTDIR $1
  ${EndIf}
FunctionEnd

; --- install (and upgrade in place) ---------------------------------------------------------
Section "-${APP_NAME}"
  Call WaitUntilClosed
  ${If} ${FileExists} "$INSTDIR\${EXE}"
    DetailPrint "升级：先删除旧版本的程序文件（数据不在这里，不受影响）"
  ${EndIf}
  !insertmacro REMOVE_PROGRAM_FILES
  ${If} ${FileExists} "$INSTDIR\_internal\*.*"
    SetErrorLevel ${EXIT_RUNNING}
    Abort "旧版本的文件删不掉（可能正被使用）：请关闭程序或重新启动电脑后再安装。"
  ${EndIf}

  SetOutPath "$INSTDIR"
  File /r "${PAYLOAD}\*.*"
  WriteUninstaller "$INSTDIR\${UNINSTALLER}"

  ; The machine-wide settings IT fills in (every line a comment until then), put in
  ; %PROGRAMDATA%\union-counter once: an existing file, IT's, is never replaced or removed.
  ${IfNot} ${FileExists} "$APPDATA\union-counter\counter.ini"
    CreateDirectory "$APPDATA\union-counter"
    File "/oname=$APPDATA\union-counter\counter.ini" "..\machine\counter.ini"
  ${EndIf}
  SetOutPath "$INSTDIR"

  ; Shortcuts for every account (SetShellVarContext all): the working folder is $INSTDIR.
  CreateDirectory "${START_MENU}"
  CreateShortcut "${START_MENU}\${APP_NAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
  CreateShortcut "${START_MENU}\卸载${APP_NAME}.lnk" "$INSTDIR\${UNINSTALLER}" "" "$INSTDIR\${UNINSTALLER}" 0
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0

  ; 应用和功能 / 程序和功能 (the 64-bit registry view: SetRegView 64 in .onInit)
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${EXE},0"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\${UNINSTALLER}"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALLER}" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

; --- uninstall --------------------------------------------------------------------------------
Function un.onInit
  SetShellVarContext all
  SetRegView 64
FunctionEnd

Section "Uninstall"
  Call un.WaitUntilClosed
  !insertmacro REMOVE_PROGRAM_FILES
  Delete "${START_MENU}\${APP_NAME}.lnk"
  Delete "${START_MENU}\卸载${APP_NAME}.lnk"
  RMDir "${START_MENU}"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  DeleteRegKey HKLM "${UNINST_KEY}"
  Delete "$INSTDIR\${UNINSTALLER}"
  ; only when empty: a folder chosen by hand may hold other things. Not the working folder
  ; any more, or Windows keeps it.
  SetOutPath "$TEMP"
  RMDir "$INSTDIR"
  ; The uninstaller's own file can still be in the middle of its deletion (the program that
  ; started this copy of it has only just exited): the folder then looks not empty for a
  ; moment. Try again for up to three seconds; a folder holding something else stays.
  StrCpy $0 0
  ${DoWhile} ${FileExists} "$INSTDIR\*.*"
    ${If} $0 >= 10
      ${Break}
    ${EndIf}
    Sleep 300
    RMDir "$INSTDIR"
    IntOp $0 $0 + 1
  ${Loop}
  DetailPrint "各人的数据（%LOCALAPPDATA%\union-counter）和本机设置（%PROGRAMDATA%\union-counter）已保留。"
SectionEnd
