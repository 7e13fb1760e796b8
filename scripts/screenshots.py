#!/usr/bin/env python3
"""Screenshots of the search page (with suggestions as you type), a document page and an answer table for the README, in headless
Chromium (Debian's ``chromium``; CJK text needs a font such as ``fonts-wqy-microhei``).

    .venv/bin/python scripts/screenshots.py [--index DIR] [--out docs]

Without --index, the seed corpus is indexed into a temporary folder first. With Pillow
installed, the PNGs are reduced to 64 colours (a third of the size).
"""
import argparse
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = [  # file, path, viewport[, text typed into the search box]
    ("search.png", "/?" + urlencode([("q", "行政复议 案件 数量"), ("region", "330000"), ("region", "130000"),
                                     ("year", "2017"), ("year", "2018")]), (1000, 760)),
    ("suggest.png", "/", (1000, 420), "法治"),
    ("search-phone.png", "/?" + urlencode({"q": "两法衔接", "region": "330000"}), (390, 700)),
    ("document.png", "/doc/" + quote("000_fe44817f17a5c838.txt") + "?" + urlencode({"q": "两法衔接", "p": 14}),
     (1000, 760)),
    ("figures.png", "/figures?" + urlencode({"q": "行政复议", "unit": "件", "by": "region"}), (1000, 760)),
]


def shrink(path: Path, colours: int = 64) -> None:
    """Fewer colours, a smaller file (text and flat colours lose nothing visible); only
    when Pillow is installed (`pip install pillow`), else the PNG stays as Chromium wrote it."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", help="index to show (default: the seeds, indexed now)")
    ap.add_argument("--out", default=str(ROOT / "docs"))
    args = ap.parse_args()
    import waitress
    from playwright.sync_api import sync_playwright
    from searchlib import api
    from searchlib.web import create_app
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if index is None:
            index = Path(tmp) / "index"
            api.build([ROOT / "corpus"], index)
        server = waitress.create_server(create_app(index), host="127.0.0.1", port=0)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{server.effective_port}"
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, path, (width, height), *typed in SHOTS:
                page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                if typed:                        # suggestions as you type, the second one chosen
                    page.click("#q")
                    page.keyboard.type(typed[0])
                    page.wait_for_selector("#q-suggest [role=option]")
                    page.keyboard.press("ArrowDown")
                    page.keyboard.press("ArrowDown")
                page.screenshot(path=str(out / name))
                shrink(out / name)
                print(out / name, (out / name).stat().st_size // 1024, "KiB")
                page.close()
            browser.close()
        server.close()


if __name__ == "__main__":
    main()
