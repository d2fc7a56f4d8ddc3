"""Render icons/worthit.svg into the icon files the installers and the window use.

    python packaging/make_icons.py          # writes icons/worthit.ico, .icns and PNGs

Qt renders the SVG (QSvgRenderer onto a QImage at each size, so small sizes are drawn
for their size, not scaled down); the .ico and .icns containers are written here, both
being little more than a table of images. The generated files are committed, so a build
needs no extra tool; run this again after changing the SVG.

- ``worthit.ico`` (Windows: the .exe, the installer, the taskbar): 16 to 256 pixels.
  Sizes under 256 are 32-bit DIBs (every Windows shell reads those), 256 is a PNG, as
  Microsoft's own icon guidelines describe.
- ``worthit.icns`` (macOS: the .app and the .dmg): PNG elements from 16 to 1024 pixels,
  including the @2x variants.
- ``worthit-<size>.png`` for 16, 32, 48, 64, 128, 256, 512 and 1024 (Linux desktops,
  the About box, the window icon).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ICONS = REPO / "icons"
MASTER = ICONS / "worthit.svg"

PNG_SIZES = (16, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
#: (OSType, pixels) of each .icns element; ic11-ic14 are the @2x variants of 16-256.
ICNS_TYPES = (
    ("icp4", 16), ("icp5", 32), ("icp6", 64), ("ic07", 128), ("ic08", 256), ("ic09", 512),
    ("ic10", 1024), ("ic11", 32), ("ic12", 64), ("ic13", 256), ("ic14", 512),
)


def render(svg: Path, size: int) -> bytes:
    """The SVG drawn at ``size`` x ``size`` pixels, as PNG bytes (non-premultiplied RGBA)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not an SVG Qt can draw.")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit(f"Qt could not encode a {size} px PNG.")
    buffer.close()
    return bytes(data.data())


def dib(png: bytes) -> bytes:
    """A PNG as the 32-bit BGRA device-independent bitmap an .ico entry holds: a
    BITMAPINFOHEADER of twice the height (image plus mask), rows bottom-up, then the
    1-bit AND mask (all zero: the alpha channel does the masking)."""
    from PySide6.QtGui import QImage

    image = QImage.fromData(png, "PNG").convertToFormat(QImage.Format.Format_ARGB32)
    width, height = image.width(), image.height()
    stride = image.bytesPerLine()
    bits = bytes(image.constBits())
    rows = [bits[y * stride: y * stride + width * 4] for y in range(height)]
    # QImage's ARGB32 is 0xAARRGGBB in native order: B, G, R, A bytes on little-endian.
    if sys.byteorder != "little":
        rows = [b"".join(row[i:i + 4][::-1] for i in range(0, len(row), 4)) for row in rows]
    mask_stride = ((width + 31) // 32) * 4
    header = struct.pack("<IiiHHIIiiII", 40, width, height * 2, 1, 32, 0,
                         width * height * 4 + mask_stride * height, 0, 0, 0, 0)
    return header + b"".join(reversed(rows)) + bytes(mask_stride * height)


def ico(images: dict[int, bytes]) -> bytes:
    """An .ico file from {size: PNG bytes}: an ICONDIR, one 16-byte entry per image, the
    images after them."""
    entries, blobs = [], []
    offset = 6 + 16 * len(images)
    for size, png in sorted(images.items()):
        blob = png if size >= 256 else dib(png)
        edge = 0 if size >= 256 else size  # 0 stands for 256
        entries.append(struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(blob), offset))
        blobs.append(blob)
        offset += len(blob)
    return struct.pack("<HHH", 0, 1, len(images)) + b"".join(entries) + b"".join(blobs)


def icns(images: dict[int, bytes]) -> bytes:
    """An .icns file: 'icns' and the total length, then (OSType, length, PNG) elements."""
    body = b"".join(
        kind.encode("ascii") + struct.pack(">I", 8 + len(images[size])) + images[size]
        for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    images = {size: render(MASTER, size) for size in sizes}
    written = []
    for stale in ICONS.glob("worthit-*.png"):
        stale.unlink()
    for size in PNG_SIZES:
        path = ICONS / f"worthit-{size}.png"
        path.write_bytes(images[size])
        written.append(path)
    targets = {ICONS / "worthit.ico": ico({s: images[s] for s in ICO_SIZES}),
               ICONS / "worthit.icns": icns(images)}
    for path, data in targets.items():
        path.write_bytes(data)
        written.append(path)
    for path in written:
        print(f"{path.relative_to(REPO)}  {path.stat().st_size:,} bytes")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
