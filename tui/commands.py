"""The command palette (Ctrl+P): every action of the app and of the current screen, a diff of any
two documents, and "open <item id>" for each item.

Actions come from the bindings (`tui.keys`), so the palette always offers what the keys do, with
the key shown as the hint.
"""

from __future__ import annotations

from functools import partial

from textual.actions import parse
from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keys import declared, key_display


class PowerKBCommands(Provider):
    def _actions(self) -> list[tuple[str, str, object]]:
        app, screen = self.app, self.screen
        found = []
        for node in (screen, app):
            for binding in declared(type(node)):
                _, name, params = parse(binding.action)
                if node.check_action(name, params) is False:
                    continue
                hint = f"key {key_display(app, binding)}" + (f" · {binding.tooltip}" if binding.tooltip else "")
                found.append((binding.description, hint, partial(app.run_action, binding.action, node)))
        docs = list(app.base.documents)
        for a in docs:
            for b in docs:
                if a != b:
                    found.append((f"Diff {a} vs {b}", "compare the targets and texts of two documents",
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
        for item in self.app.base.items.values():
            title = f"Open {item.id}"
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.open_item, item.id), help=item.summary)
