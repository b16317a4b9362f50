"""The one way benchmark scripts refresh their generated section of a docs page."""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path, start: str, end: str, body: str, *, append: bool = True) -> None:
    """Replace what lies between the ``start`` and ``end`` markers of ``path`` with ``body``.

    ``body`` ends with a newline. A page without both markers gets the section appended,
    or, with ``append=False``, stops the script with a message naming the markers.
    """
    text = path.read_text(encoding="utf-8")
    block = f"{start}\n{body}{end}"
    i, j = text.find(start), text.find(end)
    if i >= 0 and j > i:
        text = text[:i] + block + text[j + len(end) :]
    elif append:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    else:
        raise SystemExit(f"{path} lacks the {start} ... {end} markers")
    path.write_text(text, encoding="utf-8")
