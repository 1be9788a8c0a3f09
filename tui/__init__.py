"""The powerkb terminal app (Textual). `powerkb tui` and plain `powerkb` in a terminal start it.

Textual is imported only inside this package, so that the other commands start fast.
"""
