"""Counting the distinct values of a table's key, which decides whether duplicate keys are looked for at all.

The common case is a key whose every value is distinct; it is settled without sorting the text itself.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reporting.validate.grammar import byte_lengths


def count_distinct(data: pa.Table, key: str | None) -> int | None:
    """Distinct values of the key column (None without one).

    The common case, every value distinct, is settled by a 64-bit hash of each text value and one
    sort of those integers: distinct hashes mean distinct values. Otherwise (two hashes agree, or the
    column is not plain text) the values themselves are sorted and neighbours compared.
    """
    if key is None:
        return None
    chunks = data.column(data.column_names.index(key))
    if pa.types.is_string(chunks.type) and chunks.null_count == 0 and len(chunks) > 1:
        longest = int(byte_lengths(chunks).max())  # every slice hashes in as many rounds
        slices = [
            chunk.slice(start, HASHED_AT_ONCE)
            for chunk in chunks.chunks
            for start in range(0, len(chunk), HASHED_AT_ONCE)
        ]
        hashes = np.sort(np.concatenate([text_hashes(part, longest) for part in slices]))
        if (hashes[1:] != hashes[:-1]).all():
            return len(chunks)
    column = chunks.combine_chunks()
    ordered = column.take(pc.sort_indices(column))
    repeats = pc.sum(pc.equal(ordered[1:], ordered[:-1])).as_py() or 0
    return len(column) - repeats


def count_distinct_rows(typed: dict[str, pa.Array | pa.ChunkedArray], key: tuple[str, ...]) -> int | None:
    """Distinct rows of a key of several typed columns by one Arrow grouping (None when Arrow cannot group them),
    which groups equal values, and missing values together, as `DataFrame.duplicated` compares them."""
    columns = pa.table({name: typed[name] for name in key})
    try:
        return columns.group_by(list(key), use_threads=False).aggregate([]).num_rows
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
        return None


HASHED_AT_ONCE = 16_384
"""Values hashed at once, so that a slice's text and its words stay in the core's cache: 100k values hashed in one
piece take about twice as long."""
HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
LOW_BYTES = np.array([(1 << (8 * count)) - 1 for count in range(8)] + [2**64 - 1], dtype=np.uint64)
"""LOW_BYTES[n] keeps the first n bytes of a little-endian 8-byte word."""


def text_hashes(column: pa.StringArray, longest: int) -> np.ndarray:
    """A 64-bit hash of each value of a text column without nulls, computed 8 bytes at a time.

    Each value's bytes are read as little-endian words straight from a copy of the column's buffer (padded,
    so that no read runs past it), the bytes past the value's end masked off, and mixed (multiply, shift)
    into a hash seeded by the length, in one round per 8 bytes of the `longest` value: equal values hash
    alike in any column of that bound.
    """
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset : column.offset + len(column) + 1]
    first, size = int(offsets[0]), int(offsets[-1] - offsets[0])
    text = np.empty(size + longest + 8, dtype=np.uint8)
    text[:size] = np.frombuffer(column.buffers()[2], dtype=np.uint8)[first : first + size]
    text[size:] = 0
    words = np.ndarray(shape=(size + longest + 1,), dtype="<u8", buffer=text, strides=(1,))  # a word at every byte
    at = offsets[:-1].astype(np.intp) - first  # where each value's next word starts
    lengths = np.diff(offsets)
    shortest = int(lengths.min(initial=longest))
    hashes = lengths.astype(np.uint64) * HASH_MULTIPLIER
    for start in range(0, longest, 8):
        word = words[at]
        if start + 8 > shortest:  # some value ends inside this word
            word &= LOW_BYTES[np.clip(lengths - start, 0, 8)]
        hashes ^= word
        hashes *= HASH_MULTIPLIER
        hashes ^= hashes >> np.uint64(31)
        at += 8
    return hashes
