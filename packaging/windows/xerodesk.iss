; Inno Setup 6 script: the Windows installer of xerodesk, made from the
; PyInstaller bundle dist\xerodesk\ (xerodesk.exe, the windowed app, and
; xerodesk-cli.exe, the command line, with their _internal\ folder).
;
;   iscc /DAppVersion=0.1.0 packaging\windows\xerodesk.iss
;     -> dist\xerodesk-0.1.0-windows-x64-setup.exe
;
; Signing: pass /DSignTool=name and define that tool in the compiler
; (iscc "/Sname=signtool sign /fd SHA256 /tr http://timestamp.digicert.com
; /td SHA256 /f cert.pfx /p PASSWORD $f"); setup and uninstaller are then signed.
;
; Installs for the current user without administrator rights (to
; %LOCALAPPDATA%\Programs\xerodesk); an administrator may choose all users
; (Program Files) in the first dialog or with /ALLUSERS. Silent installs and
; their switches: packaging/README.md, "Windows".

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z packaging\windows\xerodesk.iss
#endif
#define SourceDir "..\..\dist\xerodesk"

[Setup]
; the one id of xerodesk's installs: upgrades replace it, never install beside it
AppId={{5E7C2A91-3B4D-4F6E-8A1C-9D2B7E4F0A63}
AppName=xerodesk
AppVersion={#AppVersion}
AppVerName=xerodesk {#AppVersion}
AppPublisher=xerodesk
AppCopyright=xerodesk
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\xerodesk
DefaultGroupName=xerodesk
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=xerodesk-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\xerodesk.ico
UninstallDisplayIcon={app}\xerodesk.exe
UninstallDisplayName=xerodesk
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
#ifdef SignTool
SignTool={#SignTool}
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "startatsignin"; Description: "Open xerodesk when I sign in to Windows"; GroupDescription: "When Windows starts:"; Flags: unchecked
Name: "service"; Description: "Keep syncing in the background when I sign in (xerodesk-cli sync --watch, minimised)"; GroupDescription: "When Windows starts:"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\defaults.toml.example"; DestDir: "{app}"; Flags: ignoreversion
; /DEFAULTS=FILE on the command line (an administrator's install): the machine-wide
; defaults every user of the computer starts from; kept on uninstall
Source: "{param:DEFAULTS}"; DestDir: "{commonappdata}\xerodesk"; DestName: "defaults.toml"; Flags: external uninsneveruninstall; Check: WantsDefaults

[Icons]
Name: "{autoprograms}\xerodesk"; Filename: "{app}\xerodesk.exe"; Comment: "Keep the CRM and Xero in step"
Name: "{autostartup}\xerodesk"; Filename: "{app}\xerodesk.exe"; Tasks: startatsignin
Name: "{autostartup}\xerodesk sync"; Filename: "{app}\xerodesk-cli.exe"; Parameters: "sync --watch"; Flags: runminimized; Tasks: service

[Run]
Filename: "{app}\xerodesk.exe"; Description: "Open xerodesk now"; Flags: nowait postinstall skipifsilent

[Code]
function WantsDefaults: Boolean;
begin
  Result := IsAdminInstallMode and (ExpandConstant('{param:DEFAULTS}') <> '');
end;
