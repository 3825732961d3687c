"""Work in forked child processes, which share the parent's memory copy-on-write, and the garbage collector's
passes over a build's objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused_for_existing_objects() -> Iterator[None]:
    """Leave the objects alive now out of garbage collection until the block ends.

    A full collection walks every object and writes to each one's header: in a forked child (a validation
    worker) that copies every page the parent's objects live on, and in the parent it walks the objects of a
    large build again. The objects made inside the block are collected as usual.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def collection_paused() -> Iterator[None]:
    """No garbage collection until the block ends; then as usual, in this process and in a child forked in it.

    Rendering a document makes objects by the million, WeasyPrint's boxes and openpyxl's cells, and the
    collector's passes over them as they pile up cost about a tenth of the rendering time, while the reference
    cycles left for it to free hold a few tens of MB. Nor does a pass touch the objects alive before the block,
    which in a forked child (the PDF renderer) would copy every page of the parent's memory they live on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
