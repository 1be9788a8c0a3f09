"""The key bindings as data, for the help screen and the command palette.

Both read the `BINDINGS` the app, its screens and the query bar declare, so a key added to any of
them shows up in the footer, the help and the palette without being written down twice.
"""

from __future__ import annotations

from textual.binding import Binding


def declared(cls) -> list[Binding]:
    """The bindings `cls` itself declares (not inherited ones), those that have a description."""
    return [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding) and b.description]


def key_display(app, binding: Binding) -> str:
    """The keys as the footer shows them (`/`, `?`, `^q`, `⌫`), several joined by a space."""
    if binding.key_display:
        return binding.key_display
    return " ".join(app.get_key_display(Binding(key.strip(), binding.action)) for key in binding.key.split(","))
