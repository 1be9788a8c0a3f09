"""The command palette (Ctrl+P): every action of the app and of the current screen, a diff of any
two documents, and "open <item id>" for each item.

Actions come from the bindings (`tui.keys`), so the palette always offers what the keys do, with
the key shown as the hint. Quit and the theme are left to Textual's own commands (which the
palette shows already), so neither appears twice. An item is found by its id, and (from two
characters on) by words of its text or summary (电价 finds the items that mention it).
"""

from __future__ import annotations

from functools import partial

from textual.actions import parse
from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keys import declared, key_display
from .strings import text

SYSTEM = {"quit", "toggle_theme", "command_palette"}  # offered by Textual's own provider already
TEXT_HITS = 30


class PowerKBCommands(Provider):
    def _actions(self) -> list[tuple[str, str, object]]:
        app, screen = self.app, self.screen
        found = []
        for node in (screen, app):
            for binding in declared(type(node)):
                _, name, params = parse(binding.action)
                if name in SYSTEM and node is app:
                    continue
                if node.check_action(name, params) is False:
                    continue
                hint = f"key {key_display(app, binding)}" + (f" · {binding.tooltip}" if binding.tooltip else "")
                found.append((binding.description, hint, partial(app.run_action, binding.action, node)))
        docs = list(app.base.documents)
        for a in docs:
            for b in docs:
                if a != b:
                    found.append((text("diff-of", a=a, b=b), text("diff-of.tip"),
                                  partial(app.show_diff_of, a, b)))
        return found

    async def discover(self) -> Hits:
        for title, hint, callback in self._actions():
            yield DiscoveryHit(title, callback, help=hint)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, hint, callback in self._actions():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), callback, help=hint)
        if len(query) < 2:
            return
        words = query.strip().casefold()
        by_text = 0
        for item in self.app.base.items.values():
            title = text("open", id=item.id)
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.open_item, item.id), help=item.summary)
            elif by_text < TEXT_HITS and (words in item.text.casefold() or words in item.summary.casefold()):
                by_text += 1
                flat = " ".join(item.text.split())
                yield Hit(0.3, f"{title}  {flat[:40]}", partial(self.app.open_item, item.id), help=item.summary)
