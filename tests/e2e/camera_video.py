"""Videos of barcodes for Chromium's fake camera (--use-file-for-fake-video-capture), which
loops a Y4M file. Codes are drawn by zxing-cpp, the reader's own library, so a test shows
the camera exactly what a label would."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import zxingcpp
from PIL import Image

WIDTH, HEIGHT, FPS = 640, 480, 15
# Frames showing a code carry a black square in the top-left corner, so a benchmark can
# tell from the video element when a code came into view.
MARKER = 12


def code_image(content: str, format_name: str = "Code128", gs1: bool = False) -> Image.Image:
    barcode = zxingcpp.create_barcode(content, getattr(zxingcpp.BarcodeFormat, format_name), gs1=gs1)
    pixels = memoryview(zxingcpp.write_barcode_to_image(barcode, scale=4))
    rows, columns = pixels.shape
    image = Image.frombytes("L", (columns, rows), pixels.tobytes())
    scale = min((WIDTH - 80) / columns, (HEIGHT - 80) / rows, 4)
    return image.resize((int(columns * scale), int(rows * scale)), Image.NEAREST)


def frame(code: Optional[Image.Image]) -> bytes:
    canvas = Image.new("L", (WIDTH, HEIGHT), 255)
    if code is not None:
        canvas.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
        canvas.paste(0, (0, 0, MARKER, MARKER))
    return canvas.tobytes()


def write_y4m(path: Path, scenes: list[tuple[Optional[Image.Image], float]]) -> Path:
    """A looping video: each scene is a code (or None, an empty view) and how many seconds it lasts."""
    chroma = bytes([128]) * (WIDTH * HEIGHT // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for code, seconds in scenes:
            luma = frame(code)
            for _ in range(max(1, round(seconds * FPS))):
                video.write(b"FRAME\n" + luma + chroma)
    return path


def camera_browser(playwright, launch_args: dict, video: Path):
    """A Chromium whose camera films ``video``, with the camera allowed without asking."""
    args = [
        *launch_args["args"],
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    return playwright.chromium.launch(**{**launch_args, "args": args})
