"""Parsed rows into the COPY stream of ``import_stage``, read in a child process for large files.

Reading a large file is pure Python work on one core while the server's COPY work waits on it.
From ``PARALLEL_MIN_BYTES`` the reader runs in a forked child that sends ready COPY text in
large chunks; the parent only streams them to the server, so the server parses and stores one
chunk while the child reads the next. Rows without a point are sent as lists and geocoded in
the parent (the geocoder may be any callable, even one using the import's connection). The
child also sends its warnings and rejections with each chunk; the parent puts each geocoding
warning where the in-process loop would have (after the warnings the child had emitted when it
produced that row), so ``Issues`` and every staged value are the same either way.

A child that fails sends its exception; one that dies fails the import with
``ReaderDied``. Either way the exception ends the COPY, and the import's transaction is rolled
back by the runner.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import queue
import threading
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any, Protocol

from geo.importers.base import Issues, Parsed
from geo.importers.copytext import staged_line
from geo.importers.geocoding import LON

# Below this file size the reader runs in-process: forking costs more than it saves.
PARALLEL_MIN_BYTES = 8 << 20
CHUNK_BYTES = 1 << 20  # COPY text per message from the child
LINES = 512  # lines joined and encoded at a time
POLL_S = 1.0  # how often the parent checks that a silent child is still alive
QUEUED = 256  # messages held in the parent while it is busy (~256 MiB at most)

Reader = Callable[[Path, str, Issues], Parsed]
Place = Callable[[list[Any]], None]


class CopyTarget(Protocol):
    def write(self, buffer: bytes | str) -> None: ...


class ReaderDied(RuntimeError):
    """The child process reading the file ended without finishing it."""


def parallel_available() -> bool:
    """Whether this platform can fork (the child shares the parent's loaded modules)."""
    return "fork" in multiprocessing.get_all_start_methods()


class Rows:
    """The staged rows of one file, read in-process: what the runner's loop always did."""

    def __init__(self, parsed: Parsed) -> None:
        self.layout = parsed.layout
        self.raw_keys = parsed.raw_keys
        self._rows = parsed.rows

    def __enter__(self) -> Rows:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def copy_to(self, copy: CopyTarget, place: Place) -> None:
        lines: list[str] = []
        append = lines.append
        for row in self._rows:
            if type(row) is str:
                append(row)
            else:
                if row[LON] is None:
                    place(row)
                append(staged_line(row))
            if len(lines) >= LINES:
                copy.write("".join(lines))
                lines.clear()
        if lines:
            copy.write("".join(lines))


class ChildRows:
    """The staged rows of one file, read by a forked child process.

    Created by ``start``; a context manager that always ends the child.
    """

    def __init__(self, read: Reader, path: Path, encoding: str, issues: Issues) -> None:
        ctx = multiprocessing.get_context("fork")
        receiver, sender = ctx.Pipe(duplex=False)
        self._pipe: Pipe = receiver
        self._issues = issues
        self._process = ctx.Process(
            target=_child, args=(sender, read, path, encoding), daemon=True, name="import-reader"
        )
        self._process.start()
        sender.close()  # the child holds the only write end: its exit is our EOF
        self._sent_warnings = 0  # child warnings already in issues.warnings
        self._pending: list[dict[str, Any]] = []
        # A thread takes the messages off the pipe as they come, so the child never waits
        # while this process geocodes a row or the server is slow to take a chunk.
        self._queue: queue.Queue[tuple[Any, ...]] = queue.Queue(QUEUED)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True, name="import-reader-pipe")
        self._thread.start()
        try:
            head = self._receive()
        except BaseException:
            self.close()
            raise
        self.layout: str = head[1]
        self.raw_keys: list[str] = head[2]

    def __enter__(self) -> ChildRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the child (at once unless it has finished), reap it, stop the pipe thread."""
        self._stop.set()
        process = self._process
        if process.is_alive():
            process.join(0.5)
        if process.is_alive():
            process.terminate()
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
        self._thread.join()
        self._pipe.close()

    def copy_to(self, copy: CopyTarget, place: Place) -> None:
        write = copy.write
        while True:
            message = self._receive()
            if message[0] == "done":
                break
            for item in message[1]:
                if type(item) is bytes:
                    write(item)
                else:
                    position, row = item
                    self._flush_warnings(position)
                    place(row)
                    write(staged_line(row))
            self._flush_warnings(None)
        self._process.join(5)

    def _pump(self) -> None:
        """Pipe to queue, until the last message, the child's death or ``close``."""
        pipe, process, stop = self._pipe, self._process, self._stop
        while not stop.is_set():
            try:
                if not pipe.poll(POLL_S):
                    if process.is_alive():
                        continue
                    if not pipe.poll():
                        raise EOFError
                message: tuple[Any, ...] = pipe.recv()
            except (EOFError, OSError):
                process.join(5)
                message = ("died", process.exitcode)
            while not stop.is_set():
                try:
                    self._queue.put(message, timeout=POLL_S)
                    break
                except queue.Full:
                    continue
            if message[0] in ("done", "error", "died"):
                return

    def _receive(self) -> tuple[Any, ...]:
        """The child's next message, its issues merged; its exception raised here."""
        message = self._queue.get()
        if message[0] == "died":
            raise ReaderDied(
                f"the process reading the file stopped before the end of the file "
                f"(exit code {message[1]})"
            )
        issues = self._issues
        kind = message[0]
        if kind in ("rows", "done", "error"):
            warnings, rejections, accepted = message[-3:]
            self._pending.extend(warnings)
            issues.rejections.extend(rejections)
            issues.accepted = accepted
        if kind == "error":
            self._flush_warnings(None)
            raise _exception(message[1], message[2])
        if kind == "done":
            self._flush_warnings(None)
        return message

    def _flush_warnings(self, upto: int | None) -> None:
        """Move the child's warnings before its ``upto``-th into ``issues`` (all with None)."""
        pending = self._pending
        n = len(pending) if upto is None else upto - self._sent_warnings
        if n > 0:
            self._issues.warnings.extend(pending[:n])
            del pending[:n]
            self._sent_warnings += n


def open_rows(
    read: Reader, path: Path, encoding: str, issues: Issues, *, parallel: bool
) -> Rows | ChildRows:
    """The file's rows, from a child process when ``parallel`` and the file is large."""
    if parallel and parallel_available() and path.stat().st_size >= PARALLEL_MIN_BYTES:
        return ChildRows(read, path, encoding, issues)
    return Rows(read(path, encoding, issues))


# In the child ------------------------------------------------------------------------------


def _child(pipe: Pipe, read: Reader, path: Path, encoding: str) -> None:
    """Read the file and send it: COPY text, rows to geocode, issues; or the exception."""
    gc.freeze()  # the parent's objects are never collected here: no scans, no page copies
    issues = Issues()
    sent = [0, 0]

    def issues_delta() -> tuple[list[Any], list[Any], int]:
        warnings, rejections = issues.warnings[sent[0] :], issues.rejections[sent[1] :]
        sent[0] += len(warnings)
        sent[1] += len(rejections)
        return warnings, rejections, issues.accepted

    try:
        parsed = read(path, encoding, issues)
        pipe.send(("head", parsed.layout, parsed.raw_keys))
        for chunk in _chunks(parsed.rows, issues):
            pipe.send(("rows", chunk, *issues_delta()))
        pipe.send(("done", *issues_delta()))
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
        try:
            pipe.send(("error", _portable(exc), traceback.format_exc(), *issues_delta()))
        except BaseException:  # noqa: BLE001 - the parent is gone: nothing left to tell
            pass
    finally:
        pipe.close()


def _chunks(rows: Iterator[Any], issues: Issues) -> Iterator[list[Any]]:
    """Items of about ``CHUNK_BYTES``: UTF-8 COPY text (bytes), and ``(position, row)`` for a
    row to geocode, ``position`` being the number of warnings emitted before it."""
    items: list[Any] = []
    lines: list[str] = []
    append = lines.append
    size = 0
    for row in rows:
        if type(row) is str:
            append(row)
        elif row[LON] is not None:
            append(staged_line(row))
        else:
            if lines:
                items.append("".join(lines).encode())
                lines.clear()
            items.append((len(issues.warnings), row))
        if len(lines) >= LINES:
            data = "".join(lines).encode()
            lines.clear()
            items.append(data)
            size += len(data)
            if size >= CHUNK_BYTES:
                yield items
                items, size = [], 0
    if lines:
        items.append("".join(lines).encode())
    if items:
        yield items


def _portable(exc: BaseException) -> BaseException | tuple[str, str]:
    """The exception itself if it survives pickling unchanged, else its type name and text."""
    try:
        copy = pickle.loads(pickle.dumps(exc))
        if type(copy) is type(exc) and str(copy) == str(exc):
            return exc
    except Exception:  # noqa: BLE001, S110 - any pickling failure means: send the text
        pass
    return (type(exc).__name__, str(exc))


def _exception(sent: BaseException | tuple[str, str], trace: str) -> BaseException:
    if isinstance(sent, BaseException):
        exc = sent
    else:
        name, text = sent
        exc = type(name, (RuntimeError,), {"__module__": __name__})(text)
    exc.add_note(f"raised in the reader process:\n{trace}")
    return exc
