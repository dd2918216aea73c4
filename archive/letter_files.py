"""Files read and parsed into letters, not stored yet: pure Python, no Django.

The import's parse processes import this module only, so they start fast; archive.ingest
stores what they read.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from archive.extract import ExtractionError, extract_text
from archive.parsing import ParsedLetter, ParseError, parse_letter

# How good a text's source is: an official PDF's text layer is what the UN published; a Word
# file is the sender's draft; a .txt or .md is a conversion; OCR reads the page, with errors.
SOURCE_QUALITY = {"ocr": 1, "txt": 2, "md": 2, "docx": 3, "pdf": 4}


class IngestError(ValueError):
    """A file that cannot become a letter; `reason` is shown to the editor as it is."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LetterFile:
    """One file read and parsed, not stored yet."""

    parsed: ParsedLetter
    sha256: str
    file_format: str
    warnings: tuple[str, ...] = ()  # e.g. "Text produced by OCR; check it."
    by_ocr: bool = False

    @property
    def source_quality(self) -> int:
        return SOURCE_QUALITY["ocr" if self.by_ocr else self.file_format]


def read_letter_file(data: bytes, filename: str, *, max_bytes: int) -> LetterFile:
    """Extract and parse one file.

    Raises IngestError with a reason fit for the import summary or the upload form.
    """
    try:
        extracted = extract_text(data, filename, max_bytes=max_bytes)
    except ExtractionError as error:
        raise IngestError(error.reason) from error
    return parse_letter_file(
        extracted.text, extracted.sha256, extracted.format, extracted.warnings, extracted.by_ocr
    )


def parse_letter_file(
    text: str, sha256: str, file_format: str, warnings=(), by_ocr: bool = False
) -> LetterFile:
    """Parse text already extracted (the upload review reads the text stored at upload)."""
    try:
        parsed = parse_letter(text)
    except ParseError as error:
        raise IngestError(str(error)) from error
    return LetterFile(parsed, sha256, file_format, tuple(warnings), by_ocr)


def _read_for_import(path: Path, max_bytes: int) -> tuple[Path, LetterFile | IngestError, int]:
    try:
        data = path.read_bytes()
    except OSError as error:
        return path, IngestError(f"Cannot read the file: {error.strerror}."), 0
    try:
        return path, read_letter_file(data, path.name, max_bytes=max_bytes), len(data)
    except IngestError as error:
        return path, error, len(data)


def _read_named_bytes(item: tuple[bytes, str], max_bytes: int) -> LetterFile | IngestError:
    data, name = item
    try:
        return read_letter_file(data, name, max_bytes=max_bytes)
    except IngestError as error:
        return error


def read_letter_bytes(
    items: list[tuple[bytes, str]], *, jobs: int = 1, max_bytes: int
) -> Iterator[LetterFile | IngestError]:
    """(bytes, file name) pairs read and parsed, in order, in ``jobs`` processes."""
    yield from _map(partial(_read_named_bytes, max_bytes=max_bytes), items, jobs)


def read_letter_files(
    paths: list[Path], *, jobs: int = 1, max_bytes: int
) -> Iterator[tuple[Path, LetterFile | IngestError, int]]:
    """Read and parse files, in order: (path, the file read or why not, its size).

    With jobs > 1 the reading and parsing (the import's CPU work) runs in that many
    processes while the caller stores what is ready (archive.ingest.import_in_batches)."""
    yield from _map(partial(_read_for_import, max_bytes=max_bytes), paths, jobs)


def _map(function, items: list, jobs: int) -> Iterator:
    """function over items, in order; in ``jobs`` processes when more than one.

    The processes are spawned, not forked: a forked child would hold this process's database
    connection and pipes open, so a killed import's transaction could outlive it. They
    import this module only (no Django): they start in a fraction of a second."""
    if jobs <= 1:
        yield from map(function, items)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_exit_with_parent, initargs=(os.getpid(),)
    ) as pool:
        yield from pool.map(function, items, chunksize=8)


def _exit_with_parent(parent: int) -> None:
    """In a parse process: end when the import that started it is gone (killed with
    SIGKILL, it cannot tell its processes to stop), instead of waiting forever for work."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
