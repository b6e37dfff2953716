"""Time checking large attachments: a 25 MB PDF, a 20 MB Word document and a 12-megapixel photo.

    python bench/bench_attachments.py              # 5 repetitions each
    python bench/bench_attachments.py --repeat 10

All three are built in memory: the PDF with fpdf2 around three photographs (as a scanned report
would be), the Word document with python-docx plus photographs and a long text part (both from the
development requirements), and the photo with Pillow, 4,000 by 3,000 pixels with EXIF location and
author tags to remove. Prints each file's size and the seconds ``check_file`` takes.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import statistics
import sys
import time
import zipfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``ctdash`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import docx
from fpdf import FPDF
from PIL import Image

from ctdash.attachments import MB, check_file


def photo(seed: int, size=(4000, 3000), *, quality: int = 92, tags: bool = False) -> bytes:
    """A photograph-like JPEG: a smooth gradient under grain, which compresses as a camera's do."""
    random.seed(seed)
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    grain = Image.effect_noise(size, 40 + seed % 7).convert("RGB")
    image = Image.blend(gradient, grain, 0.5)
    exif = image.getexif()
    if tags:
        exif[0x013B] = "Jo Bloggs"
        exif[0x0110] = "Example phone"
        exif.get_ifd(0x8825).update({1: "N", 2: (50.0, 15.0, 42.0), 3: "W", 4: (5.0, 3.0, 10.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif)
    return buffer.getvalue()


def pdf_report(target: int) -> bytes:
    """A PDF of pages of text, each with a photograph filling half the page, of about ``target`` bytes."""
    document = FPDF()
    document.set_font("helvetica", size=11)
    size = 0
    seed = 0
    while size < target - 2_000_000:  # each photograph adds about 4.4 MB
        seed += 1
        document.add_page()
        document.multi_cell(0, 5, "Attendance after one term. " * 40)
        picture = photo(seed, (3000, 2250), quality=95)
        document.image(io.BytesIO(picture), x=10, y=60, w=190)
        size += len(picture)
    return bytes(document.output())


def word_report(target: int) -> bytes:
    """A Word document with photographs and a long text, zipped as Word does, about ``target`` bytes."""
    document = docx.Document()
    for number in range(2000):
        document.add_paragraph(f"Paragraph {number}: notes from the youth panel about who comes back after a term.")
    seed = 100
    size = 0
    while size < target * 0.9:
        seed += 1
        picture = photo(seed, (2400, 1800), quality=95)
        document.add_picture(io.BytesIO(picture))
        size += len(picture)
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text_size = archive.getinfo("word/document.xml").file_size
    print(f"  (its text part unpacks to {text_size / 1_000_000:.1f} MB)")
    return data


def timed(name: str, data: bytes, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        checked = check_file(name, data, max_bytes=64 * MB)
        samples.append(time.perf_counter() - started)
    print(f"  {name}: stored as {checked.kind}, {checked.size_bytes / 1_000_000:.1f} MB; notes: {list(checked.notes)}")
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions per file (default 5)")
    args = parser.parse_args(argv)

    print("building the files...")
    files = {
        "report.pdf": pdf_report(25 * 1_000_000),
        "report.docx": word_report(20 * 1_000_000),
        "photo.jpg": photo(1, tags=True),
    }
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {args.repeat} repetitions; "
        f"load average {os.getloadavg()[0]:.2f} at the start"
    )
    results = {name: timed(name, data, args.repeat) for name, data in files.items()}
    print(f"{'file':<12}  {'size':>8}  {'best':>7}  {'median':>7}")
    for name, samples in results.items():
        size = f"{len(files[name]) / 1_000_000:.1f} MB"
        print(f"{name:<12}  {size:>8}  {min(samples):7.3f}  {statistics.median(samples):7.3f}")
    print(f"(seconds for check_file, the whole file; load average {os.getloadavg()[0]:.2f} at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
