"""`powerkb show ID --format json` reads the item's JSON from the store (no tree is loaded); it
must print exactly what the item renderer writes from the model, for every item."""

from __future__ import annotations

import json

from kb.base import KnowledgeBase
from kb.render.item import layout
from kb.render.registry import render


def test_store_json_is_the_model_json_for_every_item(base):
    assert base.store  # built (the cache is the session's)
    lazy = KnowledgeBase.open(base.root, lazy=True)
    for item_id, item in base.items.items():
        assert lazy.item_json(item_id) == item.to_dict(), item_id
    assert "tree" not in lazy.__dict__  # answered from the store alone


def test_show_json_prints_what_the_renderer_writes(base, cli, capsys):
    for item_id in ("nea:ledger.3", "1479:task.7", "shanxi:ledger.task.6@2021"):
        code, out, _err = cli("show", item_id, "--format", "json")
        assert code == 0
        assert out == render(layout(base.item(item_id), base), "json")
        assert json.loads(out)["id"] == item_id


def test_show_json_of_an_unknown_id_suggests_near_ids(cli):
    code, _out, err = cli("show", "nea:ledger.999", "--format", "json")
    assert code == 2
    assert "nea:ledger.9" in err
