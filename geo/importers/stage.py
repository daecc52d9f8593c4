"""Parsed rows into the COPY stream of ``import_stage``, read in a child process for large files.

Reading a large file is pure Python work on one core while the server's COPY work waits on it.
From ``PARALLEL_MIN_BYTES`` the reader runs in a forked child that sends ready COPY text in
large chunks; the parent only streams them to the server, so the server parses and stores one
chunk while the child reads the next. Rows without a point are sent as lists and geocoded in
the parent (the geocoder may be any callable, even one using the import's connection). The
child also sends its warnings and rejections with each chunk; the parent puts each geocoding
warning where the in-process loop would have (after the warnings the child had emitted when it
produced that row), so ``Issues`` and every staged value are the same either way.

From ``SPLIT_MIN_BYTES`` a reader that can read a file in two parts (the MMP reader) gets two
children, one per half (``geo.importers.split``): the first half is streamed as it comes, the
second is held, its natural keys fixed after the first half's, then streamed. Issues and every
staged value are still those of one reader.

A child that fails sends its exception; one that dies fails the import with
``ReaderDied``. Either way the exception ends the COPY, and the import's transaction is rolled
back by the runner.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from functools import partial
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any, Protocol

from geo.importers.base import Issues, NaturalKeys, Parsed
from geo.importers.copytext import staged_line
from geo.importers.geocoding import LON
from geo.importers.split import Renumbering, Split, find_split

# Below this file size the reader runs in-process: forking costs more than it saves.
PARALLEL_MIN_BYTES = 8 << 20
# From this size a reader that can read parts gets two children (2 cores: about half the time).
SPLIT_MIN_BYTES = 16 << 20
CHUNK_BYTES = 1 << 20  # COPY text per message from the child
PR_SET_PDEATHSIG = 1  # linux/prctl.h
LINES = 512  # lines joined and encoded at a time
POLL_S = 1.0  # how often the parent checks that a silent child is still alive
QUEUED = 256  # messages held in the parent while it is busy (~256 MiB at most)

Reader = Callable[[Path, str, Issues], Parsed]
# A part of a file: path, encoding, issues, where the file splits, whether the second part;
# gives the part's rows and its keys (geo.importers.mmp.read_part).
PartReader = Callable[..., tuple[Parsed, NaturalKeys]]
ChildRead = Callable[[Issues], tuple[Parsed, NaturalKeys | None]]
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


class _Child:
    """One forked reader process, and a thread in this process that takes its messages off the
    pipe as they come (so the child never waits while this process geocodes a row or the server
    is slow to take a chunk) into a queue of at most ``queued`` messages (0: no limit)."""

    def __init__(self, read: ChildRead, *, name: str, queued: int) -> None:
        ctx = multiprocessing.get_context("fork")
        receiver, sender = ctx.Pipe(duplex=False)
        self._pipe: Pipe = receiver
        self._process = ctx.Process(
            target=_child, args=(sender, read, os.getpid()), daemon=True, name=name
        )
        self._process.start()
        sender.close()  # the child holds the only write end: its exit is our EOF
        self._queue: queue.Queue[tuple[Any, ...]] = queue.Queue(queued)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True, name=f"{name}-pipe")

    def listen(self) -> None:
        """Start taking messages (after every child is forked: a fork copies no thread)."""
        self._thread.start()

    def get(self) -> tuple[Any, ...]:
        """The child's next message; ``ReaderDied`` if it ended without a last one."""
        message = self._queue.get()
        if message[0] == "died":
            raise ReaderDied(
                f"the process reading the file stopped before the end of the file "
                f"(exit code {message[1]})"
            )
        return message

    def join(self) -> None:
        self._process.join(5)

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
        if self._thread.ident is not None:
            self._thread.join()
        self._pipe.close()

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


class _Merge:
    """One reader's messages merged into the import's issues as the in-process loop makes them:
    its warnings in order, each geocoding warning after the reader's warnings of the rows
    before it; its rejections; its accepted rows counted after ``accepted_before``."""

    def __init__(self, issues: Issues, accepted_before: int = 0) -> None:
        self._issues = issues
        self._accepted_before = accepted_before
        self._pending: list[dict[str, Any]] = []
        self._sent = 0  # the reader's warnings already in issues.warnings

    def take(self, message: tuple[Any, ...], *, rejections: bool = True) -> None:
        """Merge a message's issues (its rejections too unless the caller merges them);
        the reader's exception raised here."""
        kind = message[0]
        if kind in ("rows", "done", "error"):
            warnings, rejected, accepted = message[-3:]
            self._pending.extend(warnings)
            if rejections:
                self._issues.rejections.extend(rejected)
            self._issues.accepted = self._accepted_before + accepted
        if kind == "error":
            self.flush(None)
            raise _exception(message[1], message[2])
        if kind == "done":
            self.flush(None)

    def copy(self, items: list[Any], write: Callable[[bytes | str], None], place: Place) -> None:
        """Send a message's items: COPY text as it is, rows to geocode placed first."""
        for item in items:
            if type(item) is bytes:
                write(item)
            else:
                position, row = item
                self.flush(position)
                place(row)
                write(staged_line(row))
        self.flush(None)

    def flush(self, upto: int | None) -> None:
        """Move the reader's warnings before its ``upto``-th into ``issues`` (all with None)."""
        pending = self._pending
        n = len(pending) if upto is None else upto - self._sent
        if n > 0:
            self._issues.warnings.extend(pending[:n])
            del pending[:n]
            self._sent += n


class ChildRows:
    """The staged rows of one file, read by a forked child process.

    Created by ``start``; a context manager that always ends the child.
    """

    def __init__(self, read: Reader, path: Path, encoding: str, issues: Issues) -> None:
        self._child = _Child(
            lambda issues: (read(path, encoding, issues), None),
            name="import-reader",
            queued=QUEUED,
        )
        self._child.listen()
        self._merge = _Merge(issues)
        try:
            head = self._child.get()
            self._merge.take(head)  # a reader that fails on the header raises here
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
        self._child.close()

    def copy_to(self, copy: CopyTarget, place: Place) -> None:
        _stream(self._child, self._merge, copy, place)


class SplitRows:
    """The staged rows of a large file read in two parts by two forked children
    (``geo.importers.split``): the first part's COPY text is streamed as it comes; the second's
    is held until the first has ended, its keys fixed after the first's, then streamed. Issues
    come out as from one reader. A context manager that always ends both children.
    """

    def __init__(
        self, read: PartReader, path: Path, encoding: str, issues: Issues, at: Split
    ) -> None:
        self._issues = issues
        self._merge = _Merge(issues)  # the first part's
        self._children: list[_Child] = []
        try:
            for second in (False, True):
                self._children.append(
                    _Child(
                        partial(read, path, encoding, at=at, second=second),
                        name=f"import-reader-{int(second) + 1}",
                        queued=0 if second else QUEUED,  # the second part is held whole
                    )
                )
            for child in self._children:
                child.listen()
            head = self._children[0].get()
            self._merge.take(head)
        except BaseException:
            self.close()
            raise
        self.layout: str = head[1]
        self.raw_keys: list[str] = head[2]

    def __enter__(self) -> SplitRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for child in self._children:
            child.close()

    def copy_to(self, copy: CopyTarget, place: Place) -> None:
        first, second = self._children
        first_keys: NaturalKeys = _stream(first, self._merge, copy, place)[1]

        messages = [second.get()]
        while messages[-1][0] not in ("done", "error"):
            messages.append(second.get())
        fix = Renumbering(first_keys, messages[-1][-4] or NaturalKeys(track=True))
        rejected = [r for m in messages if m[0] != "head" for r in m[-2]]
        self._issues.rejections.extend(fix.rejections(rejected))
        merge = _Merge(self._issues, self._issues.accepted - len(fix.rejected))
        for message in messages:
            if message[0] == "head":
                continue
            merge.take(message, rejections=False)
            if message[0] == "rows":
                merge.copy(fix.items(message[1]), copy.write, place)
        second.join()


def _stream(child: _Child, merge: _Merge, copy: CopyTarget, place: Place) -> tuple[Any, ...]:
    """A child's messages merged into the issues and sent to COPY as they come, until its last
    message, which is returned (a part's carries its keys)."""
    while (message := child.get())[0] != "done":
        merge.take(message)
        merge.copy(message[1], copy.write, place)
    merge.take(message)
    child.join()
    return message


def open_rows(
    read: Reader,
    path: Path,
    encoding: str,
    issues: Issues,
    *,
    parallel: bool,
    read_part: PartReader | None = None,
) -> Rows | ChildRows | SplitRows:
    """The file's rows, from a child process when ``parallel`` and the file is large; from two
    when it is larger still, ``read_part`` is given and the file has a safe split."""
    if parallel and parallel_available():
        size = path.stat().st_size
        if read_part is not None and size >= SPLIT_MIN_BYTES:
            at = find_split(path)
            if at is not None:
                return SplitRows(read_part, path, encoding, issues, at)
        if size >= PARALLEL_MIN_BYTES:
            return ChildRows(read, path, encoding, issues)
    return Rows(read(path, encoding, issues))


# In the child ------------------------------------------------------------------------------


def _child(pipe: Pipe, read: ChildRead, parent: int) -> None:
    """Read the file (or part) and send it: COPY text, rows to geocode, issues, and at the end
    its keys (for a part); or the exception."""
    _die_with(parent)
    gc.freeze()  # the parent's objects are never collected here: no scans, no page copies
    issues = Issues()
    sent = [0, 0]
    keys: NaturalKeys | None = None

    def issues_delta() -> tuple[list[Any], list[Any], int]:
        warnings, rejections = issues.warnings[sent[0] :], issues.rejections[sent[1] :]
        sent[0] += len(warnings)
        sent[1] += len(rejections)
        return warnings, rejections, issues.accepted

    try:
        parsed, keys = read(issues)
        pipe.send(("head", parsed.layout, parsed.raw_keys))
        for chunk in _chunks(parsed.rows, issues):
            pipe.send(("rows", chunk, *issues_delta()))
        pipe.send(("done", keys, *issues_delta()))
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
        try:
            trace = traceback.format_exc()
            pipe.send(("error", _portable(exc), trace, keys, *issues_delta()))
        except BaseException:  # noqa: BLE001 - the parent is gone: nothing left to tell
            pass
    finally:
        pipe.close()


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when the importing process dies (Linux).

    The fork inherited the import's database socket; a reader orphaned by a killed importer
    blocks on a pipe nobody reads, keeping that socket, the server session and so the run's
    lock (``geo.importers.runlock``) alive forever: the run would never be seen as interrupted.
    """
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return  # not Linux: an orphaned reader ends only when its pipe breaks
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the importer died before the prctl took effect
        os._exit(1)


def _chunks(rows: Iterator[Any], issues: Issues) -> Iterator[list[Any]]:
    """Items of about ``CHUNK_BYTES``: UTF-8 COPY text (bytes), and ``(position, row)`` for a
    row to geocode, ``position`` being the number of warnings emitted before it. When reading
    fails, the rows read before are still given (the parent geocodes them, as in-process)."""
    items: list[Any] = []
    lines: list[str] = []
    append = lines.append
    size = 0
    try:
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
    except Exception:
        if lines:
            items.append("".join(lines).encode())
        if items:
            yield items
        raise
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
