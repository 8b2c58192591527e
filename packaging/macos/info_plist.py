"""The macOS app's Info.plist, in one place: the PyInstaller spec builds the
``.app`` with it, and the tests check it round-trips through ``plistlib``.

Keys as Apple's Information Property List reference defines them. The bundle
identifier is the AppStream id of the Linux package, so the app has one name
everywhere; the versions are the package's (``xerodesk/__init__.py``).
"""

from __future__ import annotations

from typing import Any

BUNDLE_ID = "com.xerodesk.xerodesk"
#: the oldest macOS the bundle is built for (PySide6 6.8 and newer need macOS 12)
MINIMUM_MACOS = "12.0"


def info_plist(version: str) -> dict[str, Any]:
    """The keys PyInstaller's BUNDLE adds to the ones it writes itself
    (CFBundleExecutable, CFBundleIconFile, CFBundlePackageType…)."""
    return {
        "CFBundleName": "xerodesk",
        "CFBundleDisplayName": "xerodesk",
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "CFBundleDevelopmentRegion": "en",
        "LSApplicationCategoryType": "public.app-category.finance",
        "LSMinimumSystemVersion": MINIMUM_MACOS,
        "NSHighResolutionCapable": True,
        # the window follows the system's light or dark appearance
        "NSRequiresAquaSystemAppearance": False,
        "NSHumanReadableCopyright": "xerodesk",
    }
