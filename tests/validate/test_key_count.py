"""The count of distinct key values, which decides whether duplicate keys are looked for at all."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reporting.validate.keys import HASHED_AT_ONCE, count_distinct, count_distinct_rows

# Short alphabets make equal values, and values equal in their first 8 or 16 bytes, likely.
KEYS = st.text(alphabet="ab\x00é-", max_size=20)


@given(values=st.lists(KEYS, max_size=60), cuts=st.lists(st.integers(0, 60), max_size=3))
@example(values=["a", "a", "aaaaaaaaa"], cuts=[1])  # equal values in chunks of unequal longest values
@example(values=["abcdefgh-1", "abcdefgh-2", "abcdefgh-1", "abcdefgh"], cuts=[])  # none shorter than a word
@example(values=["abcdefgh-1", "abcdefgh-2", "abcdefgh-1"], cuts=[])  # every value longer than a word
@settings(max_examples=1000, deadline=None)
def test_distinct_key_values_are_counted_exactly_across_chunks(values: list[str], cuts: list[int]) -> None:
    bounds = sorted({0, len(values), *(min(cut, len(values)) for cut in cuts)})
    chunks = [pa.array(values[start:end], pa.string()) for start, end in zip(bounds, bounds[1:], strict=False)]
    column = pa.chunked_array(chunks, pa.string())
    assert count_distinct(pa.table({"event_id": column}), "event_id") == len(set(values))


def test_a_sliced_column_counts_only_its_own_values() -> None:
    values = pa.array(["E-1", "E-2", "E-10", "E-2", "E-100000000001", "E-100000000002"])
    assert count_distinct(pa.table({"event_id": values.slice(1, 3)}), "event_id") == 2
    assert count_distinct(pa.table({"event_id": values.slice(4)}), "event_id") == 2


@pytest.mark.parametrize("chunks", [1, 3])
def test_a_repeat_is_found_in_a_column_hashed_in_several_slices(chunks: int) -> None:
    """A column longer than HASHED_AT_ONCE is hashed slice by slice: a repeat across slices and chunks is counted."""
    values = [f"E-{number}" for number in range(2 * HASHED_AT_ONCE + 5)]
    bounds = [len(values) * part // chunks for part in range(chunks + 1)]
    distinct = pa.chunked_array([values[start:end] for start, end in zip(bounds, bounds[1:], strict=False)])
    assert count_distinct(pa.table({"event_id": distinct}), "event_id") == len(values)
    repeated = pa.chunked_array([*distinct.chunks, pa.array(["E-7", f"E-{HASHED_AT_ONCE + 3}"])])
    assert count_distinct(pa.table({"event_id": repeated}), "event_id") == len(values)


@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([None, "ethereum", "base"]),
            st.sampled_from(["main", "prime"]),
            st.sampled_from([None, "USDC", "usdc"]),
        ),
        max_size=30,
    ),
    coded=st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_distinct_rows_of_a_key_of_several_columns_agree_with_pandas(
    rows: list[tuple[str | None, ...]], coded: bool
) -> None:
    """The Arrow count of distinct key rows says "no repeat" exactly when `DataFrame.duplicated` finds none, with
    missing values and coded (ticker) columns in the key."""
    chain, market, asset = (pa.array([row[i] for row in rows], pa.string()) for i in range(3))
    typed = {"chain": chain, "market": market, "asset": pc.dictionary_encode(asset) if coded else asset}
    key = ("chain", "market", "asset")
    frame = pa.table(typed).to_pandas()
    repeats = bool(frame.duplicated(subset=list(key), keep="first").any())
    assert (count_distinct_rows(typed, key) == len(rows)) == (not repeats)
