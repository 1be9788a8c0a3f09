"""Line breaking for Chinese: the renderers' entry point. The implementation lives in
kb/core/wrap.py so that the lower layers' text reports (evaluate) break lines by the same rules;
there is one implementation, and this module is its public face for kb/render and tui/."""

from kb.core.wrap import (  # noqa: F401 - re-exported
    CLOSING,
    OPENING,
    UNIT_SUFFIXES,
    Wrapped,
    fill,
    wrap_lines,
    wrap_spans,
    wrap_text,
)
