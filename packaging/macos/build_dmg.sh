#!/usr/bin/env bash
# Build Worthit.app and dist/Worthit-<version>-macos-<arch>.dmg, smoke-test both, and sign
# and notarise them when an Apple Developer ID is given. From anywhere:
#
#   packaging/macos/build_dmg.sh
#
# Optional environment (each step is skipped, saying so, when its variables are unset):
#   WORTHIT_CODESIGN_IDENTITY  "Developer ID Application: Your Name (TEAMID)", a
#                              certificate in your keychain: signs the .app (hardened
#                              runtime, packaging/macos/entitlements.plist) and the .dmg
#   WORTHIT_NOTARY_PROFILE     a notarytool keychain profile, made once with
#                              xcrun notarytool store-credentials PROFILE --apple-id ID \
#                                  --team-id TEAMID --password APP-SPECIFIC-PASSWORD
#   or WORTHIT_APPLE_ID, WORTHIT_TEAM_ID and WORTHIT_APP_PASSWORD instead of a profile.
# Notarisation needs a signed app. Steps as in Apple's "Customizing the notarization
# workflow": codesign, notarytool submit --wait, stapler staple.
set -euo pipefail

started=$SECONDS
cd "$(dirname "$0")/../.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
python=${PYTHON:-python3}
venv=${WORTHIT_BUILD_VENV:-build/packaging-venv}
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --require-hashes -r packaging/requirements.lock
"$venv/bin/python" -m pip install -q --no-deps --no-build-isolation --force-reinstall .

echo "== Building and smoke-testing Worthit.app"
# The spec signs the app when WORTHIT_CODESIGN_IDENTITY is set (PyInstaller signs each
# binary inside, then the bundle).
"$venv/bin/python" packaging/freeze.py --dist dist --work build/pyinstaller

app=dist/Worthit.app
version=$("$venv/bin/python" packaging/build_info.py version)
dmg=dist/$("$venv/bin/python" packaging/build_info.py macos-dmg)
identity=${WORTHIT_CODESIGN_IDENTITY:-}

if [ -n "$identity" ]; then
    codesign --verify --deep --strict --verbose=2 "$app"
else
    echo "== Not signing: WORTHIT_CODESIGN_IDENTITY is unset (the app is signed ad hoc;" \
         "Gatekeeper will ask users to confirm it)"
fi

echo "== Making $dmg"
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"  # drag the app onto it to install
rm -f "$dmg"
hdiutil create -volname "Worthit $version" -srcfolder "$staging" -ov -format UDZO "$dmg"

if [ -n "$identity" ]; then
    codesign --force --sign "$identity" --timestamp "$dmg"
    notary=()
    if [ -n "${WORTHIT_NOTARY_PROFILE:-}" ]; then
        notary=(--keychain-profile "$WORTHIT_NOTARY_PROFILE")
    elif [ -n "${WORTHIT_APPLE_ID:-}" ] && [ -n "${WORTHIT_TEAM_ID:-}" ] \
        && [ -n "${WORTHIT_APP_PASSWORD:-}" ]; then
        notary=(--apple-id "$WORTHIT_APPLE_ID" --team-id "$WORTHIT_TEAM_ID"
                --password "$WORTHIT_APP_PASSWORD")
    fi
    if [ "${#notary[@]}" -gt 0 ]; then
        echo "== Notarising (this waits for Apple's answer)"
        xcrun notarytool submit "$dmg" "${notary[@]}" --wait
        xcrun stapler staple "$dmg"
        xcrun stapler validate "$dmg"
        spctl --assess --type open --context context:primary-signature --verbose "$dmg"
    else
        echo "== Not notarising: set WORTHIT_NOTARY_PROFILE (or WORTHIT_APPLE_ID," \
             "WORTHIT_TEAM_ID and WORTHIT_APP_PASSWORD)"
    fi
else
    echo "== Not notarising: notarisation needs a signed app"
fi

echo "== Smoke-testing the app inside the .dmg"
mount=$(mktemp -d)
hdiutil attach -nobrowse -readonly -mountpoint "$mount" "$dmg" >/dev/null
status=0
"$mount/Worthit.app/Contents/MacOS/Worthit" --self-test || status=$?
hdiutil detach "$mount" >/dev/null
if [ "$status" -ne 0 ]; then
    echo "build_dmg.sh: the app in $dmg failed its self-test" >&2
    exit "$status"
fi
echo "$dmg: $(du -m "$dmg" | cut -f1) MB"
echo "== build_dmg.sh: done in $((SECONDS - started)) s"
