"""The app's two icons, drawn with Pillow: an open door with light coming through it.

Teams shows the colour icon (192x192) in the app store and the app bar, cropped to a
rounded square, and the outline icon (32x32, white on transparency) in the Teams side bar.
Both are drawn on a grid four or eight times larger and scaled down, so their edges are
smooth; the shapes are bold so the door still reads at 32 pixels.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

ACCENT = "#1D5C8C"  # the manifest's accentColor
LIGHT = "#F5C242"  # warm light through the doorway
WHITE = "#FFFFFF"

Points = list[tuple[float, float]]


class Grid:
    """Shapes laid out on the icon's own grid (192 or 32 squares), drawn `scale` times larger."""

    def __init__(self, unit: float) -> None:
        self.unit = unit

    def points(self, points: Points) -> Points:
        return [(x * self.unit, y * self.unit) for x, y in points]

    def box(self, left: float, top: float, right: float, bottom: float) -> Points:
        return self.points([(left, top), (right, bottom)])


def draw_color(size: int = 192) -> Image.Image:
    """Full bleed in the accent colour, the door in the middle, well clear of the corners
    Teams rounds off."""
    scale = 4
    grid = Grid(size / 192 * scale)
    image = Image.new("RGB", (size * scale, size * scale), ACCENT)
    pen = ImageDraw.Draw(image)
    pen.rectangle(grid.box(62, 34, 138, 142), fill=WHITE)  # the frame
    pen.rectangle(grid.box(72, 44, 128, 142), fill=LIGHT)  # light through the doorway
    # The door, hinged on the right and swung inwards: its far edge looks shorter.
    pen.polygon(grid.points([(128, 44), (128, 142), (102, 132), (102, 52)]), fill=WHITE)
    pen.ellipse(grid.box(106, 88, 114, 96), fill=ACCENT)  # the handle
    # Light falling out across the floor in front of the door.
    pen.polygon(grid.points([(72, 142), (102, 142), (96, 158), (54, 158)]), fill=LIGHT)
    return image.resize((size, size), Image.Resampling.LANCZOS).convert("RGBA")


def draw_outline(size: int = 32) -> Image.Image:
    """The same door as white on transparency: every pixel is white, only its alpha varies."""
    scale = 8
    grid = Grid(size / 32 * scale)
    mask = Image.new("L", (size * scale, size * scale), 0)
    pen = ImageDraw.Draw(mask)
    pen.rectangle(grid.box(7, 2, 25, 27), fill=255)  # the frame
    pen.rectangle(grid.box(9.5, 4.5, 22.5, 27), fill=0)  # the doorway, see-through
    pen.polygon(grid.points([(22.5, 4.5), (22.5, 27), (16, 25), (16, 6.5)]), fill=255)  # door
    pen.ellipse(grid.box(17, 15, 19, 17), fill=0)  # the handle
    pen.polygon(grid.points([(9.5, 28), (16, 28), (14.5, 31), (5, 31)]), fill=255)  # light
    alpha = mask.resize((size, size), Image.Resampling.LANCZOS)
    icon = Image.new("RGBA", (size, size), WHITE)
    icon.putalpha(alpha)
    return icon
