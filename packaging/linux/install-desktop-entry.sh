#!/bin/sh
# Add Worthit to your desktop's application menu, with its icon, for this user:
#   ./install-desktop-entry.sh            (from the unpacked Worthit folder)
# Remove it with:  ./install-desktop-entry.sh --remove
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/worthit.desktop"
icon="$data/icons/hicolor/256x256/apps/worthit.png"
if [ "${1:-}" = "--remove" ]; then
    rm -f "$entry" "$icon"
    echo "Removed $entry and $icon"
    exit 0
fi
mkdir -p "$(dirname "$entry")" "$(dirname "$icon")"
cp "$here/_internal/worthit/icons/worthit-256.png" "$icon"
cat > "$entry" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Worthit
GenericName=Cost explorer
Comment=Was our AI spend worth it?
Exec="$here/worthit"
Icon=worthit
Terminal=false
Categories=Office;Finance;
StartupWMClass=worthit
DESKTOP
echo "Added $entry (runs $here/worthit)"
