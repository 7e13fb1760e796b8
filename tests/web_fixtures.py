"""Test data of the web tests: hostile text and doc_ids that need URL quoting."""
from pathlib import Path

from tests.conftest import build_small_index

HOSTILE_TITLE = '关于<script>window.__xss=1</script>宁波市法治政府建设的报告'
HOSTILE_LINES = [
    '行政复议案件办理"><img src=x onerror="window.__xss=2">共计30件。',
    "行政复议<svg onload=window.__xss=3>决定书公开，'><iframe src=javascript:window.__xss=4>。",
    "行政复议 {{7*7}} ${7*7} <b>粗体</b> &amp; &lt;script&gt; </textarea></title><style>*{display:none}</style>。",
]
HOSTILE_TEXT = HOSTILE_TITLE + "\n发布时间：2019-03-01\n\n一、行政复议工作\n" + "\n".join(HOSTILE_LINES) + "\n"
# doc_ids with characters a URL must quote, a folder, and Chinese
ODD_NAMES = ["a b/c#1?x=%41&y+z.txt", "中文 目录/报告'\"<x>.txt", "percent%2F..%2fname.txt"]
ODD_TEXT = "关于2018年杭州市依法行政工作的报告\n发布时间：2019-02-01\n\n一、行政复议\n办理行政复议案件12件，纠错率8%。\n"


def build_web_index(folder: Path) -> Path:
    files = {"xss.txt": HOSTILE_TEXT}
    for i, name in enumerate(ODD_NAMES):
        (folder / "corpus" / name).parent.mkdir(parents=True, exist_ok=True)
        files[name] = ODD_TEXT.replace("12件", f"{12 + i}件")
    return build_small_index(folder, files)
