"""The search page as a person uses it, in a real headless Chromium (Debian's
``chromium``, driven by Playwright without its own browser download): type a query,
narrow by a facet, page, open a result, export CSV; hostile document text shows
literally and runs nothing; a phone-width screen and the keyboard work. Skipped only
when /usr/bin/chromium is absent (.ci/run installs it)."""
import csv
import io
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage"]


def served(index):
    """A real waitress server of ``index`` on a free loopback port, in a thread, for a
    fixture: yields its base URL, then stops it: its request threads finish, then it is
    closed from its own loop thread (closing it from another one pulls a socket from under
    its select)."""
    import waitress
    from searchlib.web import create_app
    server = waitress.create_server(create_app(index), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.task_dispatcher.shutdown(timeout=5)         # requests in flight finish first

    def close_all():        # the server and the browser's idle keep-alive connections: the loop ends
        for channel in list(server._map.values()):
            channel.close()
    server.trigger.pull_trigger(close_all)
    thread.join(timeout=5)


def launch_browser(playwright, tmp_path):
    """Chromium with a fresh profile and nothing that reaches the network by itself."""
    return playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS,
        accept_downloads=True, viewport={"width": 1200, "height": 900}, locale="zh-CN")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        context = launch_browser(p, tmp_path_factory.mktemp("chromium"))
        context.set_default_timeout(10_000)
        yield context
        context.close()


@pytest.fixture(scope="module")
def seed_site(seed_index_dir):
    yield from served(seed_index_dir)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    from tests.web_fixtures import build_web_index
    yield from served(build_web_index(tmp_path_factory.mktemp("webx")))


def type_query(page, query: str, wait_for: str = ".hit") -> None:
    """Type a query into the search box as a user does, press Enter, wait for ``wait_for``."""
    page.fill("#q", query)
    page.press("#q", "Enter")
    page.wait_for_selector(wait_for)


def test_search_facet_page_open_export(browser, seed_site, tmp_path):
    page = browser.new_page()
    page.goto(seed_site + "/")
    type_query(page, "行政复议 案件")
    total = int(page.inner_text(".total strong"))
    # the passages with both words, then those with one (marked 缺少) on the next pages
    assert total > 5 and page.locator(".hit mark").count() > 0 and "只含部分检索词" in page.inner_text(".total")
    # page 2, then narrow by a facet (back to page 1, the filter kept while paging)
    page.click("a[rel=next]")
    page.wait_for_selector(".pager strong[aria-current=page]:text-is('2')")
    assert page.locator(".hit").count() >= 1 and page.locator(".hits").get_attribute("start") == "11"
    page.click("#facet-region a:text-is('浙江省')")
    page.wait_for_selector("#facet-region .trail strong:text-is('浙江省')")
    narrowed = int(page.inner_text(".total strong"))
    assert narrowed <= total
    metas = page.locator(".hit .meta").all_inner_texts()
    assert metas and all(m.startswith(("宁波", "杭州", "温州", "浙江")) for m in metas), metas
    # export the current results as CSV
    with page.expect_download() as info:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) >= len(metas) and all(r["region_code"].startswith("33") for r in rows)
    # open a result: its passage is highlighted on the document page
    first = page.locator(".hit .title a").first
    snippet_text = page.locator(".hit .snippet").first.inner_text().strip("…")[:12]
    first.click()
    page.wait_for_selector(".passage.current")
    target = page.locator(".passage:target")
    assert target.count() == 1 and "current" in target.get_attribute("class")
    assert snippet_text in target.inner_text()
    assert page.locator(".toc a").count() >= 3
    # back to the same page of the same search, the region kept
    page.click(".back a")
    page.wait_for_selector("#facet-region .trail strong:text-is('浙江省')")
    assert int(page.inner_text(".total strong")) == narrowed
    # jump to a page by its number
    if page.locator(".pager .jump").count():
        page.fill(".pager .jump input[name=page]", "2")
        page.click(".pager .jump button")
        page.wait_for_selector(".pager strong[aria-current=page]:text-is('2')")


def test_hostile_text_shows_literally_and_runs_nothing(browser, hostile_site):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_site + "/?q=行政复议")
    page.wait_for_selector(".hit")
    text = page.inner_text("main")
    assert "<script>window.__xss=1</script>" in text          # the title, literally
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img, main svg, main iframe, main b").count() == 0
    page.click(".hit .title a:has-text('window.__xss')")
    page.wait_for_selector(".passage")
    body = page.inner_text("main")
    for line in ('"><img src=x onerror="window.__xss=2">', "<svg onload=window.__xss=3>", "<b>粗体</b>",
                 "</textarea></title><style>*{display:none}</style>"):
        assert line in body, line
    assert page.evaluate("window.__xss") is None and not dialogs
    assert page.locator("main img, main svg, main iframe, main b, main style").count() == 0


def test_phone_width_and_keyboard(browser, seed_site):
    page = browser.new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(seed_site + "/?q=两法衔接")
    page.wait_for_selector(".hit")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376      # no sideways scrolling
    # the filters fold behind one 筛选 button above the results
    drawer = page.locator("#filters > summary")
    assert drawer.is_visible() and not page.locator("#facet-region").is_visible()
    assert drawer.bounding_box()["y"] < page.locator(".hit").first.bounding_box()["y"]
    drawer.click()
    assert page.locator("#facet-region").is_visible()
    assert "同义词扩展" in page.inner_text(".expanded")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")                                                   # "/" jumps to the search box
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type(" 案件")
    # while a search runs (here held back): the page says so and the button cannot be pressed again
    page.evaluate("window.__hold = e => e.preventDefault(); document.querySelector('form').addEventListener('submit', window.__hold)")
    page.keyboard.press("Enter")
    assert page.evaluate("document.body.classList.contains('busy') && document.querySelector('form button').disabled")
    page.evaluate("document.querySelector('form').removeEventListener('submit', window.__hold)")
    page.evaluate("document.querySelector('form button').disabled = false")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "两法衔接 案件" == page.input_value("#q")
    for _ in range(40):                                                        # Tab to the first result, Enter opens it
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.hit .title') !== null"):
            break
    page.keyboard.press("Enter")
    page.wait_for_selector(".passage.current")


def test_answer_table_from_a_quantity_query(browser, seed_site):
    page = browser.new_page()
    page.goto(seed_site + "/")
    type_query(page, "行政复议 案件 数量", ".answers .figtable")
    page.click("#answers-link")
    page.wait_for_selector(".answers-page .figtable")
    page.select_option("select[name=by]", "region")
    page.fill("input[name=unit]", "件")
    page.click(".figopts button")
    page.wait_for_selector(".chart svg rect.bar")
    assert "宁波市北仑区" in page.locator(".figgroup h2").all_inner_texts()
    rows = page.locator(".figgroup tbody tr").all_inner_texts()
    assert any("区政府新收行政复议案件" in r and "36" in r for r in rows), rows
    page.close()


def test_a_typo_offers_the_indexed_word_and_partial_matches_say_what_they_miss(browser, seed_site):
    page = browser.new_page()
    page.goto(seed_site + "/")
    type_query(page, "行政附议", ".suggest a")
    page.click(".suggest a")
    page.wait_for_selector(".hit")
    assert page.input_value("#q") == "行政复议"
    type_query(page, "行政复议 案件")
    assert "只含部分检索词" in page.locator(".total").inner_text()
    page.goto(seed_site + "/?q=行政复议 案件&per_doc=0&limit=50")
    assert any("缺少：案件" in t for t in page.locator(".missing").all_inner_texts())
    page.close()


@pytest.fixture(scope="module")
def counted_site(tmp_path_factory):
    from tests.conftest import build_small_index
    from tests.test_semantics import COUNTED
    yield from served(build_small_index(tmp_path_factory.mktemp("counted-site"), COUNTED))


def test_paging_reaches_the_count_and_repeats_are_shown_on_request(browser, counted_site):
    page = browser.new_page()
    page.goto(counted_site + "/?limit=4")
    type_query(page, "行政执法")
    assert "共 11 个段落匹配" in page.locator(".total").inner_text()
    seen = page.locator(".hit").count()
    while page.locator("a[rel=next]").count():
        page.click("a[rel=next]")
        page.wait_for_selector(".hit")
        seen += page.locator(".hit").count()
    assert seen == 11
    page.click("#show-duplicates")
    page.wait_for_selector("#hide-duplicates")
    assert "共 12 个段落匹配" in page.locator(".total").inner_text()
    # filters alone: the documents, newest first
    page.goto(counted_site + "/?type=annual_report")
    assert "共 3 份文件" in page.locator(".total").inner_text()
    assert [t.split("20")[0] for t in page.locator(".hit .title").all_inner_texts()] == ["乙县", "甲县", "丙县"]
    page.close()


@pytest.mark.parametrize("width, height", [(1200, 900), (390, 760)])
def test_two_provinces_two_years_and_a_date_range(browser, seed_site, width, height):
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(seed_site + "/?q=行政复议")
    page.wait_for_selector(".hit")
    total = int(page.inner_text(".total strong"))

    def open_drawer():
        # (the page a click loaded, whole, before its drawer is looked at: on a loaded machine
        # the drawer of the page before could still be seen open)
        page.wait_for_load_state()
        if not page.locator("#facet-region").is_visible():
            page.click("#filters > summary")
            page.wait_for_selector("#facet-region", state="visible")
    open_drawer()
    page.click("#facet-region a.check:text-is('浙江省')")
    page.wait_for_selector("#facet-region .trail strong:text-is('浙江省')", state="attached")
    zj = int(page.inner_text(".total strong"))
    open_drawer()
    page.click("#facet-region a.check:text-is('河北省')")                  # a second province: either of them
    page.wait_for_selector("#facet-region a.check[aria-checked=true]:text-is('河北省')", state="attached")
    both = int(page.inner_text(".total strong"))
    assert zj < both <= total
    assert page.locator("#facet-region a.check[aria-checked=true]").count() == 2
    metas = page.locator(".hit .meta").all_inner_texts()
    assert metas and all(m.startswith(("宁波", "秦皇岛", "浙江", "河北")) for m in metas), metas
    open_drawer()
    page.click("#facet-year a.check:text-is('2017')")
    page.wait_for_selector("#facet-year a.check[aria-checked=true]:text-is('2017')", state="attached")
    open_drawer()
    page.click("#facet-year a.check:text-is('2018')")
    page.wait_for_selector("#facet-year a.check[aria-checked=true]:text-is('2018')", state="attached")
    assert int(page.inner_text(".total strong")) == both                      # the two years cover both reports
    chips = page.locator(".chip-filter").all_inner_texts()
    assert {"地区：浙江省 ×", "地区：河北省 ×", "年份：2017 ×", "年份：2018 ×"} <= set(chips)
    assert "region=330000" in page.url and "region=130000" in page.url and "year=2017" in page.url
    # the date range: an ill-formed date is refused by the form itself, a good one applies
    open_drawer()
    page.fill("#since", "2018年")
    page.click("#apply-dates")
    assert page.evaluate("document.getElementById('since').validity.patternMismatch")
    page.fill("#since", "2018")
    page.fill("#until", "2019-06")
    page.click("#apply-dates")
    page.wait_for_selector(".chip-filter:has-text('发布日期：2018 至 2019-06')")
    assert page.locator(".chip-filter:has-text('地区：河北省')").count() == 1            # the other filters kept
    metas = page.locator(".hit .meta").all_inner_texts()
    assert metas and all(m.startswith("秦皇岛") for m in metas), metas        # 宁波's report is of 2017-12
    # one chip off: the rest stay
    page.click(".chip-filter:has-text('地区：河北省')")
    page.wait_for_selector("p.empty, .hit")
    assert page.locator(".chip-filter:has-text('地区：河北省')").count() == 0
    assert page.locator(".chip-filter:has-text('发布日期')").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    page.close()


@pytest.mark.parametrize("width, height", [(1200, 900), (390, 760)])
def test_suggestions_as_you_type_with_the_keyboard(browser, seed_site, width, height):
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(seed_site + "/")
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    box.click()
    page.keyboard.type("两法")
    page.wait_for_selector("#q-suggest [role=option]")
    assert box.get_attribute("aria-expanded") == "true"
    assert page.locator("#q-suggest [role=option]").first.inner_text().startswith("两法衔接")
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "q-suggest-0"
    assert page.locator("#q-suggest-0").get_attribute("aria-selected") == "true"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".hit")
    assert page.input_value("#q") == "两法衔接" and "q=%E4%B8%A4%E6%B3%95%E8%A1%94%E6%8E%A5" in page.url
    # Escape closes the list and Enter then searches what was typed
    page.fill("#q", "")
    box.click()
    page.keyboard.type("法治")
    page.wait_for_selector("#q-suggest [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")                                            # wraps to the last
    n = page.locator("#q-suggest [role=option]").count()
    assert box.get_attribute("aria-activedescendant") == f"q-suggest-{n - 1}"
    page.keyboard.press("Escape")
    assert page.locator("#q-suggest").is_hidden() and box.get_attribute("aria-expanded") == "false"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.input_value("#q") == "法治"
    page.close()


def test_without_javascript_the_form_is_plain(browser, seed_site):
    page = browser.new_page()
    page.route("**/static/app.js", lambda route: route.abort())                 # as if scripts were off
    page.goto(seed_site + "/")
    assert page.locator("#q-suggest").count() == 0 and page.locator("#q").get_attribute("role") is None
    page.fill("#q", "行政复议")
    with page.expect_navigation():
        page.press("#q", "Enter")
    page.click("#facet-year a.check:text-is('2017')")
    page.wait_for_selector("#facet-year a.check[aria-checked=true]")
    page.fill("#since", "2017")
    page.click("#apply-dates")
    page.wait_for_selector(".chip-filter:has-text('发布日期：2017')")
    assert page.locator(".chip-filter:has-text('年份：2017')").count() == 1
    page.close()
