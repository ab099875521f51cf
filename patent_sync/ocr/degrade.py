"""Degraded copies of a real scan, as a firm's old files arrive: tilted on the scanner, grainy,
faint, at a lower resolution, or photocopied (blurred, tilted, grainy and unevenly lit).

The OCR tests and the benchmark make them from the real front page with OpenCV, so that what
is measured is how the reader copes with each kind of damage, with the right answer known.
Every copy is reproducible: the noise comes from a seeded generator.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import cv2
import numpy as np


@dataclasses.dataclass(frozen=True)
class DegradedCopy:
    name: str
    gray: np.ndarray  # uint8 grayscale
    dpi: float  # the resolution the copy claims
    file_format: str  # how the tests write it: "png", "jpeg" or "tiff"


def rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    """Turn the page ``degrees`` counter-clockwise, as a sheet put askew on the glass."""
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=(255,))


def add_noise(gray: np.ndarray, sigma: float, *, seed: int, speckle: float = 0.0) -> np.ndarray:
    """Gaussian grain of ``sigma`` grey levels, plus a ``speckle`` share of black and white
    dots (dust, toner)."""
    rng = np.random.default_rng(seed)
    noisy = gray.astype(np.float32) + rng.normal(0.0, sigma, gray.shape).astype(np.float32)
    out = np.clip(noisy, 0, 255).astype(np.uint8)
    if speckle:
        dots = rng.random(gray.shape)
        out[dots < speckle / 2] = 0
        out[dots > 1 - speckle / 2] = 255
    return out


def low_contrast(gray: np.ndarray, ink: int = 105, paper: int = 165) -> np.ndarray:
    """Ink and paper squeezed to two close grey levels (a faded or badly exposed copy)."""
    lut = (ink + np.arange(256, dtype=np.float32) * ((paper - ink) / 255.0)).astype(np.uint8)
    return cv2.LUT(gray, lut)


def resample(gray: np.ndarray, from_dpi: float, to_dpi: float) -> np.ndarray:
    """The page as a scanner set to ``to_dpi`` would have captured it."""
    factor = to_dpi / from_dpi
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=interpolation)


def uneven_light(gray: np.ndarray, strength: float = 70.0) -> np.ndarray:
    """A shadow darkening one side of the page (the spine of a bound copy)."""
    height, width = gray.shape
    ramp = np.linspace(strength, 0.0, width, dtype=np.float32)[None, :]
    vertical = np.linspace(0.0, strength / 3, height, dtype=np.float32)[:, None]
    return np.clip(gray.astype(np.float32) - ramp - vertical, 0, 255).astype(np.uint8)


def photocopy(gray: np.ndarray, *, seed: int) -> np.ndarray:
    """Blurred, tilted, grainy and unevenly lit: a copy of a copy."""
    blurred = cv2.GaussianBlur(gray, (0, 0), 1.3)
    tilted = rotate(blurred, -1.7)
    shaded = uneven_light(tilted, 60.0)
    return add_noise(shaded, 22.0, seed=seed, speckle=0.002)


def degraded_copies(gray: np.ndarray, dpi: float) -> list[DegradedCopy]:
    """The standard set made from one clean page (grayscale, at ``dpi``)."""
    makers: list[tuple[str, str, Callable[[], np.ndarray], float]] = [
        ("rotated_plus_3", "png", lambda: rotate(gray, 3.0), dpi),
        ("rotated_minus_3", "png", lambda: rotate(gray, -3.0), dpi),
        ("noisy", "png", lambda: add_noise(gray, 45.0, seed=7, speckle=0.004), dpi),
        ("low_contrast", "jpeg", lambda: low_contrast(gray), dpi),
        ("dpi_200", "tiff", lambda: resample(gray, dpi, 200.0), 200.0),
        ("photocopy", "jpeg", lambda: photocopy(gray, seed=11), dpi),
    ]
    return [DegradedCopy(name, make(), at, fmt) for name, fmt, make, at in makers]


def random_copy(gray: np.ndarray, dpi: float, *, seed: int) -> DegradedCopy:
    """A copy with a random mix of the damages above (reproducible for a seed): blur, a lower
    resolution, a tilt of up to 4 degrees, shading, faded contrast, grain, PNG or JPEG."""
    import random

    rng = random.Random(seed)
    out, at = gray, dpi
    blur = rng.choice((0.0, 0.0, 0.8, 1.2, 1.6))
    if blur:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    to = rng.choice((dpi, 300.0, 240.0, 200.0, 175.0))
    if to != dpi:
        out, at = resample(out, dpi, to), to
    tilt = rng.uniform(-4.0, 4.0)
    out = rotate(out, tilt)
    shade = rng.uniform(20.0, 80.0) if rng.random() < 0.4 else 0.0
    if shade:
        out = uneven_light(out, shade)
    faded = rng.random() < 0.5
    if faded:
        out = low_contrast(out, rng.randint(60, 120), rng.randint(150, 220))
    grain = rng.choice((0.0, 10.0, 25.0, 40.0))
    if grain:
        out = add_noise(out, grain, seed=seed, speckle=rng.choice((0.0, 0.002)))
    file_format = rng.choice(("png", "jpeg"))
    name = (
        f"random_{seed}: blur {blur:g}, {at:g} dpi, tilt {tilt:+.1f}, shade {shade:.0f}, "
        f"{'faded, ' if faded else ''}grain {grain:g}, {file_format}"
    )
    return DegradedCopy(name, out, at, file_format)


def encode(copy: DegradedCopy) -> bytes:
    """The copy as the bytes of a ``copy.file_format`` file, with its dpi recorded."""
    from io import BytesIO

    from PIL import Image

    image = Image.fromarray(copy.gray)
    buffer = BytesIO()
    dpi = (copy.dpi, copy.dpi)
    if copy.file_format == "jpeg":
        image.save(buffer, format="JPEG", quality=85, dpi=dpi)
    elif copy.file_format == "tiff":
        image.save(buffer, format="TIFF", compression="tiff_lzw", dpi=dpi)
    else:
        image.save(buffer, format="PNG", dpi=dpi)
    return buffer.getvalue()
