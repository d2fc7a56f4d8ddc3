; Inno Setup 6 script: Worthit-Setup-<version>.exe from the one-folder bundle that
; packaging/freeze.py leaves in dist\Worthit (Worthit.exe, the windowed app people start,
; and worthit-cli.exe, the same program with a console for the command line and
; --self-test). From the repository's root:
;
;   python packaging/freeze.py
;   iscc /DAppVersion=%VERSION% packaging\windows\worthit.iss
;
; where VERSION is `python packaging/build_info.py version`: the version is written only in
; pyproject.toml. Relative paths below are from this file's folder.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z (python packaging/build_info.py version)
#endif
#define AppName "Worthit"
#define AppExe "Worthit.exe"
#define Bundle "..\..\dist\Worthit"

[Setup]
; Ties upgrades and the uninstaller to one installation; never change it (build_info.py).
AppId={{6B0F3C52-8E0C-4E8B-9C3B-2D5F0B7A1E41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Worthit
AppComments=Was our AI spend worth it?
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Installs for the current user without asking for administrator rights; an administrator
; may choose all users in the first dialog.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=Worthit-Setup-{#AppVersion}
SetupIconFile=..\..\icons\worthit.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; The user's workspace and log (%LOCALAPPDATA%\Worthit) are theirs: the uninstaller leaves
; them, as it leaves the keys in the Credential Locker.

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Was our AI spend worth it?"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
