"""The grammar of written values: one definition, applied to the text of every container.

CSV text, workbook text cells, JSON strings and numbers, and Parquet columns written back as text are all
read by these patterns, so the same written value gives the same finding whichever container carries it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NUMBER = r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
"""The one grammar of a written number, in every container: an optional minus sign (no plus), digits with
an optional decimal point, an optional exponent; no spaces, separators, hex or words (inf, NaN)."""
INTEGER = r"^-?[0-9]+$"
INTEGER_DIGITS = 18
"""Digits an integer may have (leading zeros aside) before it is out of range, whatever the bound of its column."""
DECIMALS_WRITTEN = r"^-?[0-9]*\.?(?P<fraction>[0-9]*?)0*(?:[eE](?P<exponent>[+-]?[0-9]+))?$"
FLOAT_DIGITS = 15
"""A number written in at most this many characters has at most this many digits, which a float keeps exactly."""
YEARS = (1678, 2261)
"""The first and last year a date or timestamp may lie in: the whole years a nanosecond timestamp holds."""
CONTROL = (
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2060}-\x{2064}\x{2066}-\x{2069}\x{feff}]"
)
"""Characters refused in text values: C0 controls but tab, line feed and carriage return; DEL; and the invisible
format characters (zero-width spaces and joiners, bidirectional controls, the byte order mark)."""


PLAIN_NUMBER_BYTES = (ord("-"), ord("9"))
"""The span of bytes of a number written with digits, a point and a minus sign only ('/' between: no cast takes it)."""
PRINTABLE_ASCII = (0x20, 0x7E)
"""The span of bytes of text that holds no character of CONTROL, nor any other that is not printable ASCII."""
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIME = r"[T ]([01][0-9]|2[0-3])(:[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?)?"
TIMESTAMP_ZONED = DATE[:-1] + _TIME + r"(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$"
TIMESTAMP_NAIVE = DATE[:-1] + _TIME + r"$"


def bytes_within(text: pa.Array | pa.ChunkedArray, span: tuple[int, int]) -> bool:
    """Whether every byte of the values of a text column lies in `span` (inclusive): the least and the greatest
    byte of the column's buffer, in two passes of numpy over it."""
    low, high = span
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        data = chunk.buffers()[2]
        if data is None or not len(chunk):
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        values = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
        if len(values) and (values.min() < low or values.max() > high):
            return False
    return True


def byte_lengths(text: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The length in bytes of each value of a text column, read off its offsets (a null's length is whatever its
    offsets say, most often 0: callers judge nulls apart)."""
    lengths = []
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        lengths.append(np.diff(offsets))
    return np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)


def decimals_written(text: pa.Array) -> np.ndarray:
    """Decimal places of well-formed numbers as written: fraction digits (trailing zeros aside) less the exponent."""
    parts = pc.extract_regex(text, pattern=DECIMALS_WRITTEN)
    fraction = pc.utf8_length(pc.struct_field(parts, "fraction")).to_numpy(zero_copy_only=False)
    exponent = pc.struct_field(parts, "exponent")
    shift = pc.cast(pc.if_else(pc.equal(exponent, ""), "0", exponent), pa.float64()).to_numpy(zero_copy_only=False)
    return np.nan_to_num(fraction - shift, nan=0.0)
