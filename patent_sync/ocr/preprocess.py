"""Page clean-up before recognition, each step chosen by what the image needs.

1. **Resolution**: the page is resampled to about 300 dpi, the resolution Tesseract is trained
   for. The file's declared dpi is used when the size of its characters agrees with it; a
   photocopy rescanned at the wrong setting is measured by its characters instead.
2. **Contrast**: a grey page is stretched so that ink is black and paper is white (a faint
   photocopy or a low-contrast scan reads like a clean one).
3. **Denoising**: only when the paper is measurably grainy, with an edge-preserving filter
   whose strength follows the grain.
4. **Deskew**: the text angle is the rotation that makes the rows of text sharpest (the
   variance of the horizontal projection profile), searched coarse to fine within ±8°.
5. **Binarization**: Otsu's global threshold when the paper is evenly lit, an adaptive
   (local) threshold when it is not (shaded photocopies, phone pictures). A bi-level scan
   (fax, CCITT G4) already is black and white and is left as it is.
6. Grain is removed from the binary image: specks far smaller than a character, and marks the
   size of punctuation that no character stands next to.

The result keeps the transform from the page's own pixels, so every box found on the working
image can be reported in the coordinates of the scan as delivered.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from patent_sync.ocr.pages import Page

TARGET_DPI = 300.0
# Median height of a character's connected component on a patent page at 300 dpi (measured on
# USPTO front pages: 10 pt Times, lower case and capitals mixed).
TEXT_HEIGHT_AT_TARGET = 24.0
_MAX_SKEW_DEGREES = 8.0
_NOISY = 6.0  # standard deviation of the paper's grain (grey levels) above which we denoise
_UNEVEN_PAPER = 28.0
# Below this (about 6 pixels across a 300 dpi page) levelling would only blur a clean scan.
_NEGLIGIBLE_SKEW = 0.15  # grey-level spread of the paper's brightness that calls for adaptive


@dataclasses.dataclass(frozen=True)
class PreparedPage:
    """A page ready for recognition, and how it was made from the scan."""

    number: int
    gray: np.ndarray  # uint8: levelled, resampled, contrast-stretched and denoised
    binary: np.ndarray  # uint8: 0 ink, 255 paper
    transform: np.ndarray  # 2x3 affine: page pixels -> working pixels
    original_size: tuple[int, int]  # (width, height) of the page as scanned
    scale: float  # working pixels per page pixel
    skew_degrees: float  # the text's angle on the scan (the page was rotated back by it)
    binarization: str  # "bilevel" | "otsu" | "adaptive"
    noise: float  # estimated grain of the paper, grey levels
    text_height: float  # median character height on the working image, pixels
    quarter_turns: int = 0  # counter-clockwise quarter turns that set a sideways page upright

    @property
    def width(self) -> int:
        return int(self.binary.shape[1])

    @property
    def height(self) -> int:
        return int(self.binary.shape[0])

    def to_page_box(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """A working-image box (x, y, width, height) in the scan's own pixels (the axis-aligned
        box around the rotated rectangle, clipped to the page)."""
        x, y, w, h = box
        inverse = cv2.invertAffineTransform(self.transform)
        corners = np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]], dtype=np.float64)
        mapped = corners @ inverse[:, :2].T + inverse[:, 2]
        page_w, page_h = self.original_size
        x0 = int(max(0, np.floor(mapped[:, 0].min())))
        y0 = int(max(0, np.floor(mapped[:, 1].min())))
        x1 = int(min(page_w, np.ceil(mapped[:, 0].max())))
        y1 = int(min(page_h, np.ceil(mapped[:, 1].max())))
        return x0, y0, max(0, x1 - x0), max(0, y1 - y0)


def prepare(page: Page, *, quarter_turns: int = 0) -> PreparedPage:
    """Every step above, for one page; ``quarter_turns`` first turns a page that was scanned
    sideways or upside down (counter-clockwise quarter turns)."""
    gray = np.rot90(page.gray, quarter_turns) if quarter_turns % 4 else page.gray
    noise = 0.0
    if not page.bilevel:
        gray = stretch_contrast(gray)
        noise = paper_noise(gray)
        gray = denoise(gray, noise)
    quick = _otsu(gray)
    scale = working_scale(page, quick)
    skew = estimate_skew(quick)
    transform, size = _level_and_resample(gray.shape, skew, scale)
    identity = abs(skew) < _NEGLIGIBLE_SKEW and scale == 1.0 and quarter_turns % 4 == 0
    if page.bilevel and identity:
        working, binary, method = np.ascontiguousarray(gray), gray.copy(), "bilevel"
    else:
        interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_CUBIC
        working = cv2.warpAffine(gray, transform, size, flags=interpolation, borderValue=(255,))
        if page.bilevel:
            binary = np.where(working < 128, 0, 255).astype(np.uint8)
            method = "bilevel"
        else:
            binary, method = binarize(working)
    binary, text_height = remove_specks(binary)
    if quarter_turns % 4:
        transform = _after_turn(transform, quarter_turns % 4, page.width, page.height)
    return PreparedPage(
        number=page.number,
        gray=working,
        binary=binary,
        transform=transform,
        original_size=(page.width, page.height),
        scale=scale,
        skew_degrees=skew,
        binarization=method,
        noise=noise,
        text_height=text_height,
        quarter_turns=quarter_turns % 4,
    )


def _after_turn(transform: np.ndarray, turns: int, width: int, height: int) -> np.ndarray:
    """``transform`` (turned page -> working) preceded by the turn itself, so that it maps the
    page as scanned (``width`` x ``height``) to the working image."""
    turn = {
        1: np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, width]]),  # 90 degrees counter-clockwise
        2: np.array([[-1.0, 0.0, width], [0.0, -1.0, height]]),
        3: np.array([[0.0, -1.0, height], [1.0, 0.0, 0.0]]),
    }[turns]
    linear = transform[:, :2] @ turn[:, :2]
    offset = transform[:, :2] @ turn[:, 2] + transform[:, 2]
    return np.hstack([linear, offset[:, None]])


def stretch_contrast(gray: np.ndarray) -> np.ndarray:
    """Map the ink level to black and the paper level to white.

    Paper covers most of a patent page, so its level is a high percentile; ink is a low one.
    """
    ink, paper = np.percentile(gray[::2, ::2], (1.0, 80.0))
    if paper - ink < 8:  # a blank page: nothing to stretch
        return gray
    lut = np.clip((np.arange(256) - ink) * (255.0 / (paper - ink)), 0, 255).astype(np.uint8)
    return cv2.LUT(gray, lut)


def paper_noise(gray: np.ndarray) -> float:
    """The grain of the paper: the spread of grey levels around their local median, measured
    away from the ink (strokes and their edges are not noise)."""
    sample = gray[::2, ::2]
    ink = _otsu(cv2.GaussianBlur(sample, (0, 0), 1.0)) < 128
    near_ink = cv2.dilate(ink.astype(np.uint8), np.ones((11, 11), np.uint8)) > 0
    paper = ~near_ink
    if np.count_nonzero(paper) < 1000:
        return 0.0
    median = cv2.medianBlur(sample, 5)
    residual = sample[paper].astype(np.float32) - median[paper].astype(np.float32)
    return float(np.sqrt(np.mean(residual * residual)))


def denoise(gray: np.ndarray, noise: float) -> np.ndarray:
    """An edge-preserving (bilateral) filter as strong as the grain: it smooths the paper
    and the inside of strokes without rounding the strokes' edges, which a median filter
    wide enough for heavy grain would eat (commas, the gaps in a 3 or an 8)."""
    if noise < _NOISY:
        return gray
    return cv2.bilateralFilter(gray, 9, max(40.0, 2.5 * noise), 75.0)


def binarize(gray: np.ndarray) -> tuple[np.ndarray, str]:
    """Otsu when the paper is evenly lit; otherwise the page is first divided by an estimate
    of its own paper brightness (flat-field correction, a local threshold in effect) and
    then Otsu applies. Unlike a fixed-offset adaptive threshold, this keeps grain on shaded
    paper from turning into specks."""
    if paper_unevenness(gray) <= _UNEVEN_PAPER:
        return _otsu(gray), "otsu"
    return _otsu(flatten_paper(gray)), "adaptive"


def flatten_paper(gray: np.ndarray) -> np.ndarray:
    """``gray`` divided by its paper brightness: shading and shadows become white."""
    height, width = gray.shape
    factor = 8
    small = cv2.resize(gray, (max(1, width // factor), max(1, height // factor)),
                       interpolation=cv2.INTER_AREA)  # fmt: skip
    # The brightest value around each point is the paper there: text strokes are narrower
    # than the window, and are closed over.
    paper = cv2.dilate(small, np.ones((9, 9), np.uint8))
    paper = cv2.GaussianBlur(paper, (0, 0), 4.0)
    paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    flat = gray.astype(np.float32) * (255.0 / np.maximum(paper.astype(np.float32), 1.0))
    return np.clip(flat, 0, 255).astype(np.uint8)


def paper_unevenness(gray: np.ndarray) -> float:
    """How much the paper's brightness varies across the page (grey levels, 5th to 95th
    percentile of a coarse background estimate)."""
    small = cv2.resize(gray, (64, 64), interpolation=cv2.INTER_AREA)
    # The brightest value near each point is the paper there (text is darker).
    background = cv2.dilate(small, np.ones((5, 5), np.uint8))
    low, high = np.percentile(background, (5.0, 95.0))
    return float(high - low)


def working_scale(page: Page, quick_binary: np.ndarray) -> float:
    """Working pixels per page pixel, for about 300 dpi.

    The declared resolution wins when it gives the page a plausible paper size; without one,
    the size of the characters tells it.
    """
    scale = None
    if page.dpi is not None:
        width_in, height_in = page.width / page.dpi, page.height / page.dpi
        if 3.0 <= max(width_in, height_in) <= 20.0:
            scale = TARGET_DPI / page.dpi
    if scale is None:
        measured = text_height(quick_binary)
        scale = TEXT_HEIGHT_AT_TARGET / measured if measured else 1.0
    scale = float(np.clip(scale, 0.35, 3.0))
    return 1.0 if abs(scale - 1.0) < 0.06 else scale  # within 6%: not worth resampling


def text_height(binary: np.ndarray) -> float | None:
    """Median height of character-sized connected components (None on an empty page)."""
    ink = (binary < 128).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    areas = stats[1:, cv2.CC_STAT_AREA]
    plausible = (heights >= 6) & (heights <= 200) & (widths <= 3 * heights) & (areas >= 12)
    if count < 2 or np.count_nonzero(plausible) < 50:
        return None
    return float(np.median(heights[plausible]))


def estimate_skew(binary: np.ndarray) -> float:
    """The angle of the text lines in degrees, counter-clockwise positive.

    The page is reduced to about 1,000 pixels wide; each candidate rotation's row profile is
    scored by its variance (text rows and the gaps between them are sharpest when level).
    """
    ink = (binary < 128).astype(np.float32)
    factor = max(1.0, ink.shape[1] / 1000.0)
    small = cv2.resize(ink, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
    best = 0.0
    for step, span in ((0.5, _MAX_SKEW_DEGREES), (0.1, 0.5), (0.02, 0.1)):
        candidates = np.arange(best - span, best + span + step / 2, step)
        scores = [_profile_score(small, angle) for angle in candidates]
        best = float(candidates[int(np.argmax(scores))])
    # ``best`` is the rotation that levels the text; the text leans the other way.
    return round(-best, 2) + 0.0


def _profile_score(ink: np.ndarray, angle: float) -> float:
    height, width = ink.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    rotated = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_NEAREST)
    rows = rotated.sum(axis=1)
    return float(np.var(rows))


def _level_and_resample(
    shape: tuple[int, ...], skew: float, scale: float
) -> tuple[np.ndarray, tuple[int, int]]:
    """The affine transform that turns the page by ``-skew`` (levelling its text) and scales
    it, onto a canvas that holds the whole turned page."""
    height, width = shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -skew, scale)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width = round(height * sin + width * cos)
    new_height = round(height * cos + width * sin)
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    return matrix, (new_width, new_height)


def remove_specks(binary: np.ndarray) -> tuple[np.ndarray, float]:
    """The binary image without grain, and the median height of its characters (on the
    working image, which is at about 300 dpi).

    Marks far smaller than a character go; marks the size of a full stop or a comma go too
    when no character stands next to them (punctuation always does, grain on the open paper
    does not).
    """
    ink = (binary < 128).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[:, cv2.CC_STAT_HEIGHT]
    widths = stats[:, cv2.CC_STAT_WIDTH]
    # Characters of 6 to 24 pt at 300 dpi; grain and drawings fall outside.
    plausible = (heights >= 10) & (heights <= 120) & (widths >= 3) & (widths <= 2 * heights)
    plausible[0] = False
    height = float(np.median(heights[plausible])) if np.count_nonzero(plausible) >= 20 else 24.0
    size = np.maximum(heights, widths)
    tiny = size < max(2, int(height * 0.12))
    small = (size < 0.35 * height) & ~tiny
    big = ~tiny & ~small
    tiny[0] = small[0] = big[0] = False
    reach = max(3, int(height)) | 1  # half a character height on each side
    near_text = cv2.dilate(big[labels].astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0
    kept_small = np.zeros(count, dtype=bool)
    kept_small[np.unique(labels[near_text & small[labels]])] = True
    drop = tiny | (small & ~kept_small)
    drop[0] = False
    if not np.any(drop):
        return binary, height
    cleaned = binary.copy()
    cleaned[drop[labels]] = 255
    return cleaned, height


def _otsu(gray: np.ndarray) -> np.ndarray:
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return binary
