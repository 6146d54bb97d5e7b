"""Pictures for the demo articles, drawn at request time so the repository ships no binaries."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "svg": "image/svg+xml"}


def _palette(path: str) -> tuple[tuple[int, int, int], tuple[int, int, int], int]:
    digest = hashlib.sha256(path.encode()).digest()
    return (digest[0], digest[1], digest[2]), (digest[3], digest[4], digest[5]), digest[6]


def render_image(path: str, width: int = 480, height: int = 270) -> tuple[bytes, str]:
    """A deterministic picture (bytes, content type) for a media path ending in .jpg, .png or .svg."""
    ext = path.rsplit(".", 1)[-1].lower()
    if ext not in CONTENT_TYPES:
        raise ValueError(f"no picture format for {path!r}")
    top, bottom, shape = _palette(path)
    if ext == "svg":
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">'
            f'<rect width="{width}" height="{height}" fill="rgb{top}"/>'
            f'<circle cx="{width // 2}" cy="{height // 2}" r="{40 + shape % 60}" fill="rgb{bottom}"/>'
            f'<rect x="0" y="{height * 3 // 4}" width="{width}" height="{height // 4}" fill="rgb{bottom}" '
            'fill-opacity="0.5"/></svg>'
        )
        return svg.encode(), CONTENT_TYPES[ext]
    image = Image.new("RGB", (width, height), top)
    draw = ImageDraw.Draw(image)
    for y in range(height // 2, height):
        t = (y - height // 2) / (height / 2)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    r = 30 + shape % 50
    draw.ellipse([width // 3 - r, height // 3 - r, width // 3 + r, height // 3 + r], fill=bottom)
    out = io.BytesIO()
    image.save(out, format="JPEG" if ext == "jpg" else "PNG", quality=70)
    return out.getvalue(), CONTENT_TYPES[ext]
