"""The web pages in a real browser: Playwright driving Debian's Chromium (`apt-get install
chromium`; never `playwright install`). A person types a query, follows a link to an item, opens
the diff and filters it by verdict, and downloads a CSV. Skipped when Chromium or Playwright is
absent, so a machine without them still runs the suite.

`POWERKB_UPDATE_SCREENSHOTS=1 pytest tests/test_serve_browser.py` rewrites the reference
screenshots in docs/images/serve/ (desktop 1280x800, phone 390x844)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
CHROMIUM = os.environ.get("POWERKB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
IMAGES = ROOT / "docs" / "images" / "serve"

sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).is_file():
    pytest.skip("no Chromium (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server():
    """The app on 127.0.0.1 and a free port, in a thread of this process."""
    import uvicorn

    from kb.serve.engine import Engine
    from kb.serve.web import create_app

    config = uvicorn.Config(create_app(engine=Engine(POLICIES)), host="127.0.0.1", port=0, log_level="warning",
                            timeout_graceful_shutdown=1)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(server):
    """Depends on `server` so that it closes first: the server then has no open connection to
    wait for when it stops."""
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()


def test_type_a_query_and_follow_a_link(page, server, q):
    page.goto(server + "/")
    page.fill("#q", "text ~ 电价")
    page.press("#q", "Enter")
    page.wait_for_selector("table.rows")
    assert "q=text" in page.url  # the query is in the URL: a permalink
    ids = page.locator("table.rows td.id a").all_inner_texts()
    assert ids == [row.id for row in q("text ~ 电价")]
    page.locator("table.rows td.id a").first.click()
    page.wait_for_selector("article.item")
    assert page.url.endswith("/items/" + ids[0])
    assert page.locator("blockquote.quote").inner_text().strip()


def test_a_bad_query_shows_the_caret(page, server):
    page.goto(server + "/")
    page.fill("#q", "untt = 市能源局")
    page.press("#q", "Enter")
    caret = page.locator("pre.caret").inner_text()
    assert "untt = 市能源局" in caret and "^^^^" in caret


def test_open_the_diff_and_filter_by_verdict(page, server, base):
    summary = base.diff("1479", "shanxi").summary()
    page.goto(server + "/")
    page.click("nav >> text=文件对比")
    page.select_option("select[name=a]", "1479")
    page.select_option("select[name=b]", "shanxi")
    page.click("form.ask button")
    page.wait_for_selector("table.diff")
    assert page.locator("table.diff tbody tr").count() == sum(summary.values())
    page.check("fieldset.verdicts input[value=stricter]")
    page.click("form.ask button")
    page.wait_for_selector("table.diff")
    verdicts = set(page.locator("table.diff tbody tr").evaluate_all("rows => rows.map(r => r.className)"))
    assert verdicts == {"v-stricter"}
    colour = page.locator("table.diff tbody tr .verdict").first.evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(29, 122, 58)"  # the stricter green


def test_download_a_csv(page, server, cli, tmp_path):
    page.goto(server + "/?q=" + "doc%20%3D%20nea%20and%20category%20%3D%20降低办电成本&as_of=2021-06-01")
    with page.expect_download() as info:
        page.click("a.dl[href*='query.csv']")
    path = tmp_path / "got.csv"
    info.value.save_as(path)
    _, out, _ = cli("query", "doc = nea and category = 降低办电成本", "--format", "csv", "--as-of", "2021-06-01")
    assert path.read_bytes().decode("utf-8") == out  # byte for byte, CRLFs included


PAGES = {
    "query": "/?q=due%20%3C%3D%202021-12%20and%20unit%20%3D%20市能源局&as_of=2021-06-01",
    "item": "/items/shanxi:ledger.task.6",
    "diff": "/diff?a=1479&b=shanxi",
    "calendar": "/calendar?unit=市能源局&as_of=2021-06-01&upcoming=1",
    "coverage": "/coverage",
}


@pytest.mark.parametrize("width,height,name", [(1280, 800, "desktop"), (390, 844, "phone")])
def test_screenshots(browser, server, tmp_path, width, height, name):
    """Every main page renders without horizontal overflow of the page itself; with
    POWERKB_UPDATE_SCREENSHOTS=1 the images become the references in docs/images/serve/."""
    out = IMAGES if os.environ.get("POWERKB_UPDATE_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    pg = context.new_page()
    for key, path in PAGES.items():
        pg.goto(server + path)
        pg.wait_for_load_state("load")
        overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{key} at {width}px scrolls sideways by {overflow}px"
        pg.screenshot(path=str(out / f"{key}-{name}.png"))
        assert (out / f"{key}-{name}.png").stat().st_size > 5000
    context.close()
