"""Ingestion: discovery, decoding, HTML extraction, plain-text cleaning, bad input."""
import hashlib
import json
import os
import random
import time
from pathlib import Path

import pytest

from searchlib.errors import CorpusError, IngestError
from searchlib.ingest import (SUFFIXES, clean_text, decode_bytes, discover, doc_id_for, extract_html,
                              read_document)
from searchlib.normalize import normalize, normalize_document_text
from tests.conftest import TIME_SCALE

PROJECT = Path(__file__).resolve().parents[1]
CORPUS = PROJECT / "corpus"
SHARED = Path(__file__).resolve().parents[2] / "shared"
HTML_FIXTURES = SHARED / "fixtures" / "html"

QUOTES = str.maketrans("", "", "“”\"'‘’")


def _comparable(text):
    return normalize(text).translate(QUOTES)


def _contains(text, anchor):
    return _comparable(anchor) in _comparable(text)


# --------------------------------------------------------------------------- HTML fixtures

def _fixture_params():
    if not HTML_FIXTURES.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared/fixtures/html is absent"))]
    return [pytest.param(p, id=p.name.removesuffix(".expect.json"))
            for p in sorted(HTML_FIXTURES.glob("*.expect.json"))]


@pytest.mark.parametrize("expect_path", _fixture_params())
def test_html_fixture(expect_path):
    expect = json.loads(expect_path.read_text(encoding="utf-8"))
    doc = read_document(HTML_FIXTURES / expect["file"], HTML_FIXTURES)
    assert doc.format == "html"
    assert doc.doc_id == expect["file"]
    assert doc.title == expect["title"]
    assert doc.published == expect["published"]
    assert doc.source == expect["source"]
    if "doc_number" in expect:
        assert doc.doc_number == expect["doc_number"]
    assert doc.encoding == expect["encoding"]
    for anchor in expect["anchors"]:
        assert _contains(doc.text, anchor), anchor
    for boilerplate in expect["never_indexed"]:
        assert boilerplate not in doc.text, boilerplate
    lines = doc.text.split("\n")
    assert lines[0] != doc.title
    assert not [line for line in lines if line.startswith(("发布时间", "来源:", "索引号", "文号:"))]
    assert "" not in lines


# --------------------------------------------------------------------------- the seeds

SEEDS = {
    "000": dict(title="关于2017年宁波市北仑区人民政府依法行政工作的报告", published="2017-12-17",
                source="区法制办", first="主任、副主任、各位委员:",
                body=["2017年依法行政工作回顾", "一、扎实推进法治政府建设基础工作"]),
    "001": dict(title="濉溪县人民政府关于2019年度法治政府建设情况的报告", published="2020-03-30",
                source="濉溪县司法局", first="县委:", body=["一、工作开展情况"], last="2020年2月28日"),
    "002": dict(title="厦门市湖里区法治政府建设创新情况报告", published="2019-05-07",
                first_starts="2017年,在市委、市政府的领导下",
                body=["一、加强组织领导,推动法治政府建设工作落实"]),
    "003": dict(title="西安市莲湖区人民政府办公室关于印发莲湖区2017年法治政府建设工作要点的通知",
                published="2017-05-24", source="区政府办公室", doc_number="莲政办发〔2017〕20号",
                first="区人民政府各工作部门,各街道办事处,各直属机构,西安大兴新区(土门地区)管委会各部门:",
                body=["西安市莲湖区人民政府办公室", "2017年5月23日", "三、工作要求"]),
    "004": dict(title="秦皇岛市2018年度法治政府建设工作报告", published="2019-01-29", source="办公室",
                index_number="00035727X/2019-33", first_starts="2018年,各级行政机关",
                body=["一、以贯彻实施新宪法为主线,推进法治政府建设新跨越"]),
}
CLUTTER = ["阅读次数", "字体", "扫一扫在手机打开当前页", "打印关闭本页", "关闭本页", "Copyright",
           "上一篇", "下一篇", "当前位置", "主办单位", "文字大小", "背景色", "字号", "版权:", "<<返回",
           "发布时间", "发表时间", "发布机构", "索引号", "名称:", "发文日期"]


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed(prefix):
    want = SEEDS[prefix]
    path = next(CORPUS.glob(f"{prefix}_*.txt"))
    doc = read_document(path, CORPUS)
    assert (doc.format, doc.encoding, doc.doc_id) == ("txt", "utf-8", path.name)
    assert doc.title == want["title"]
    assert doc.published == want["published"]
    assert doc.source == want.get("source")
    assert doc.doc_number == want.get("doc_number")
    assert doc.index_number == want.get("index_number")
    lines = doc.text.split("\n")
    if "first" in want:
        assert lines[0] == want["first"]
    else:
        assert lines[0].startswith(want["first_starts"])
    if "last" in want:
        assert lines[-1] == want["last"]
    for line in want["body"]:
        assert line in lines
    for clutter in CLUTTER:
        assert clutter not in doc.text, clutter
    assert doc.title not in lines
    assert "" not in lines


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_keeps_every_paragraph(prefix):
    """Every line of the scraped file that is not header or clutter is in the text."""
    path = next(CORPUS.glob(f"{prefix}_*.txt"))
    doc = read_document(path, CORPUS)
    kept = set(doc.text.split("\n"))
    for raw in normalize(path.read_text(encoding="utf-8")).split("\n"):
        line = normalize_document_text(raw)
        if line and line != doc.title and not any(c in line for c in CLUTTER + ["来源:"]):
            assert line in kept, line


def test_seed_fused_info_line_keeps_the_paragraph():
    text, meta = clean_text("厦门市湖里区法治政府建设创新情况报告\n"
                            "发表时间 : 2019-05-07 16:56:142017年,在市委、市政府的领导下,湖里区...\n"
                            "一、加强组织领导\n")
    assert meta == {"title": "厦门市湖里区法治政府建设创新情况报告", "published": "2019-05-07"}
    assert text == "2017年,在市委、市政府的领导下,湖里区...\n一、加强组织领导"


# --------------------------------------------------------------------------- plain text

def test_clean_text_info_line_without_separators():
    text, meta = clean_text("濉溪县人民政府关于2019年度法治政府建设情况的报告\n\n"
                            "来源:濉溪县司法局发布时间:2020-03-30 09:49文字大小:[    ]背景色:       \n\n"
                            "县委:\n正文第一段。\n")
    assert meta["source"] == "濉溪县司法局" and meta["published"] == "2020-03-30"
    assert text == "县委:\n正文第一段。"


def test_clean_text_label_value_on_next_line_and_toolbar_debris():
    text, meta = clean_text("下载\n打印\n全屏\n收藏\n【字号:\n加大\n还原\n减小\n】\n"
                            "2026年某省政府工作报告\n——2026年1月28日在某省人民代表大会上\n"
                            "来源:\n某某日报\n时间:\n2026-02-03 09:20\n各位代表:\n现在,我代表省人民政府报告工作。\n"
                            "相关报道:\n")
    assert meta == {"title": "2026年某省政府工作报告", "source": "某某日报", "published": "2026-02-03"}
    assert text == "——2026年1月28日在某省人民代表大会上\n各位代表:\n现在,我代表省人民政府报告工作。"


def test_clean_text_breadcrumb_before_title_is_dropped():
    text, meta = clean_text("您的位置:\n首页\n>\n要闻\n2026年政府工作报告\n来源:某日报\n"
                            "【字体:\n大\n中\n小\n】\n各位代表:\n正文。")
    assert meta["title"] == "2026年政府工作报告"
    assert text == "各位代表:\n正文。"


def test_boilerplate_rule_only_condemns_short_lines():
    paragraph = ("加强知识产权保护,依法打击侵犯版权所有人合法权益的行为,全年查处侵权盗版案件12件,"
                 "主办单位和承办单位均落实了监管责任,推动形成尊重知识、保护创新的良好氛围。")
    text, _ = clean_text(f"标题报告\n正文开始。\n{paragraph}\n版权所有:某某人民政府\n主办单位:某某办公室")
    assert text == f"正文开始。\n{paragraph}"


def test_clean_text_title_from_name_line_is_not_repeated():
    text, meta = clean_text("<<返回 秦皇岛市政府网站\n当前位置:信息公开平台 > 规范性文件\n"
                            "索引号:00035727X/2019-33 主题分类:综合政务 发布机构:办公室\n发文日期:2019-01-29\n"
                            "名称:秦皇岛市2018年度法治政府建设工作报告\n\n秦皇岛市2018年度法治政府建设工作报告\n\n"
                            "2018年,各级行政机关...\n\n打印 关闭本页\n\n"
                            "Copyright 2005 QinHuangdao China All Rights Reserved\n"
                            "主办单位:秦皇岛市人民政府办公室\n版权:秦皇岛市人民政府办公室")
    assert meta == {"index_number": "00035727X/2019-33", "source": "办公室", "published": "2019-01-29",
                    "title": "秦皇岛市2018年度法治政府建设工作报告"}
    assert text == "2018年,各级行政机关..."


def test_plain_text_without_header_keeps_its_first_line():
    text, meta = clean_text("各位代表:\n现在,我代表国务院,向大会报告政府工作。")
    assert "title" not in meta
    assert text.startswith("各位代表:")


# --------------------------------------------------------------------------- encodings

PAGE = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">"
        "<title>朱镕基同志与堃字测试报告_某某市人民政府</title></head><body>"
        "<div class=\"nav\"><a href=\"/\">网站首页</a></div>"
        "<div class=\"TRS_Editor\"><p>朱镕基同志在会上指出,要依法行政,建设法治政府,堃字也要正确显示。</p>"
        "<p>第二段:全面推进政务公开,全年主动公开政府信息12804条。</p></div></body></html>")


def _assert_page(text, meta):
    assert meta["title"] == "朱镕基同志与堃字测试报告"
    assert text.split("\n") == ["朱镕基同志在会上指出,要依法行政,建设法治政府,堃字也要正确显示。",
                                "第二段:全面推进政务公开,全年主动公开政府信息12804条。"]


def test_gbk_bytes_labelled_gb2312():
    data = PAGE.format(charset="gb2312").encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")          # 镕 and 堃 are GBK, not GB2312
    text, meta = extract_html(data)
    _assert_page(text, meta)
    assert meta["encoding"] == "gb2312"


@pytest.mark.parametrize("label,reported", [("gbk", "gbk"), ("x-gbk", "gbk"), ("GB18030", "gb18030")])
def test_gb_family_labels(label, reported):
    text, meta = extract_html(PAGE.format(charset=label).encode("gbk"))
    _assert_page(text, meta)
    assert meta["encoding"] == reported


def test_utf8_with_bom_and_no_meta():
    page = PAGE.replace('<meta http-equiv="Content-Type" content="text/html; charset={charset}">', "")
    text, meta = extract_html(b"\xef\xbb\xbf" + page.encode("utf-8"))
    _assert_page(text, meta)
    assert meta["encoding"] == "utf-8"
    text, meta = extract_html(page.encode("utf-8"))
    _assert_page(text, meta)


def test_utf8_page_mislabelled_gb2312():
    text, meta = extract_html(PAGE.format(charset="gb2312").encode("utf-8"))
    _assert_page(text, meta)
    assert meta["encoding"] == "utf-8"


def test_gb18030_text_without_label():
    sample = "第一段:𠮷字只在GB18030里,欧元符号€也是。\n"
    text, encoding = decode_bytes(sample.encode("gb18030"))
    assert (text, encoding) == (sample, "gb18030")


def test_utf16_with_bom():
    assert decode_bytes("法治政府建设".encode("utf-16")) == ("法治政府建设", "utf-16")


def test_txt_file_in_gbk(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("关于2019年度法治政府建设情况的报告\n发布时间:2020-03-30\n县委:\n朱镕基同志的讲话精神。\n"
                     .encode("gbk"))
    doc = read_document(path, tmp_path)
    assert (doc.title, doc.published, doc.encoding) == ("关于2019年度法治政府建设情况的报告", "2020-03-30", "gb18030")
    assert doc.text == "县委:\n朱镕基同志的讲话精神。"


def test_lenient_decode_allows_a_stray_bad_byte():
    data = ("正文" * 500).encode("utf-8") + b"\xff" + ("结束" * 500).encode("utf-8")
    text, encoding = decode_bytes(data)
    assert encoding == "utf-8" and text.count("\ufffd") == 1


# --------------------------------------------------------------------------- HTML extraction

def test_title_tag_site_name_removed():
    want = "关于印发《纲要(2015-2020年)》的通知"
    for title in (f"{want}_某某区人民政府", f"某某市人民政府-{want}", f"{want} | 某某政府网", want):
        page = f"<html><head><title>{title}</title></head><body><p>{'正文内容。' * 20}</p></body></html>"
        assert extract_html(page.encode("utf-8"))[1]["title"] == want


def test_xxgk_table_and_info_line_kept_out_of_text():
    page = ("<html><head><meta charset=utf-8><title>x</title>"
            "<meta name=\"pubdate\" content=\"2017/5/24\"></head><body>"
            "<table class=\"xxgk\"><tr><th>索 引 号：</th><td>123/2017-1</td><th>发布机构：</th><td>区政府办公室</td></tr>"
            "<tr><th>文　　号：</th><td>莲政办发〔2017〕20号</td><th>成文日期：</th><td>2017年5月23日</td></tr>"
            "<tr><th>名　　称：</th><td colspan=3>关于印发工作要点的通知</td></tr></table>"
            "<div class=\"article\"><h1>关于印发工作要点的通知</h1>"
            "<div class=\"info\">发布时间：2017-05-24　来源：区政府办公室　浏览次数：12</div>"
            f"<div class=\"content\"><p>{'正文内容第一段。' * 10}</p><p>落款单位</p></div></div></body></html>")
    text, meta = extract_html(page.encode("utf-8"))
    assert meta == {"encoding": "utf-8", "published": "2017-05-24", "index_number": "123/2017-1",
                    "source": "区政府办公室", "doc_number": "莲政办发〔2017〕20号", "written": "2017-05-23",
                    "title": "关于印发工作要点的通知"}
    assert text == "正文内容第一段。" * 10 + "\n落款单位"


def test_article_found_by_text_density_without_class_names():
    menu = "".join(f"<li><a href='/{i}'>栏目{i}</a></li>" for i in range(30))
    body = "".join(f"<p>第{i}段正文,内容足够长,讲述依法行政工作的具体情况和取得的成效。</p>" for i in range(8))
    page = (f"<html><body><table><tr><td><ul>{menu}</ul></td><td><div>{body}<p>2019年1月29日</p></div></td></tr>"
            "</table><div>主办单位:某某市人民政府办公室 技术支持:某公司</div></body></html>")
    text, _ = extract_html(page.encode("utf-8"))
    lines = text.split("\n")
    assert len(lines) == 9 and lines[-1] == "2019年1月29日" and "栏目" not in text


def test_aspnet_form_wrapper_and_hidden_elements():
    page = ("<html><body><form id=form1><div class=nav><a href=/>首页</a></div>"
            f"<div id=zoom><p>{'正文内容。' * 12}</p><div style='display:none'>隐藏的内容</div>"
            "<div class=bdsharebuttonbox>分享到微信</div></div></form></body></html>")
    text, _ = extract_html(page.encode("utf-8"))
    assert text == "正文内容。" * 12


def test_page_without_article_text(tmp_path):
    path = tmp_path / "nav.html"
    path.write_text("<html><body><ul><li><a href=/>首页</a></li><li><a href=/x>政务公开</a></li></ul>"
                    "<div class=footer>主办单位:某某市人民政府办公室</div></body></html>", encoding="utf-8")
    with pytest.raises(IngestError, match="no article text found"):
        read_document(path, tmp_path)


def test_xxe_is_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    page = ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            "<!DOCTYPE html [\n  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
            f"  <!ENTITY sec SYSTEM \"file://{secret}\">\n"
            "  <!ENTITY % remote SYSTEM \"http://127.0.0.1:9/x.dtd\">\n  %remote;\n]>\n"
            "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>XXE测试报告</title></head><body>"
            "<div class=\"content\"><p>正文内容开始&xxe;中间&sec;正文内容结束,这是足够长的一段测试文字。</p></div></body></html>")
    path = tmp_path / "xxe.html"
    path.write_text(page, encoding="utf-8")
    doc = read_document(path, tmp_path)
    assert "root:" not in doc.text and "TOP-SECRET-MARKER" not in doc.text
    assert "正文内容开始" in doc.text and doc.title == "XXE测试报告"


def test_billion_laughs_finishes_fast(tmp_path):
    entities = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    page = (f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>'
            "<html><body><div class=content><p>正文内容:&lol9;,后面还有足够长的一段文字用于测试。</p></div></body></html>")
    path = tmp_path / "lol.html"
    path.write_text(page, encoding="utf-8")
    start = time.perf_counter()
    doc = read_document(path, tmp_path)
    assert time.perf_counter() - start < 2 * TIME_SCALE
    assert len(doc.text) < 1000 and "lollol" not in doc.text


# --------------------------------------------------------------------------- bad input

def _read_or_reason(path, root):
    """A document or the IngestError's reason; any other exception fails the test."""
    try:
        return read_document(path, root)
    except IngestError as exc:
        assert str(exc)
        return str(exc)


def test_empty_file(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    assert _read_or_reason(tmp_path / "empty.txt", tmp_path) == "empty file"


def test_binary_file(tmp_path):
    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(4096)) + b"\x00\x00"
    (tmp_path / "blob.html").write_bytes(data)
    (tmp_path / "blob.txt").write_bytes(data)
    assert _read_or_reason(tmp_path / "blob.html", tmp_path) == "binary file"
    assert _read_or_reason(tmp_path / "blob.txt", tmp_path) == "binary file"


def test_control_characters_are_binary():
    with pytest.raises(IngestError, match="binary file"):
        decode_bytes(bytes(range(1, 9)) * 200 + "正文".encode("utf-8"))


def test_undecodable_bytes(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\x81\xff" * 800)
    assert _read_or_reason(tmp_path / "bad.txt", tmp_path) == "cannot decode text (not UTF-8, GB18030 or Big5)"


def test_deeply_nested_html(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 5000 + "正文内容" * 20 + "</div>" * 5000 + "</body></html>",
                    encoding="utf-8")
    start = time.perf_counter()
    result = _read_or_reason(path, tmp_path)
    assert time.perf_counter() - start < 5 * TIME_SCALE
    assert isinstance(result, str) and result.startswith("unparseable HTML")


def test_broken_html_is_tolerated(tmp_path):
    path = tmp_path / "broken.htm"
    path.write_text("<html><body><div class=content><p>正文内容第一段,依法行政。<p>第二段<b>未闭合<i>标签"
                    "</div></table></html><p>尾部", encoding="utf-8")
    doc = _read_or_reason(path, tmp_path)
    assert "正文内容第一段" in doc.text


def test_whitespace_only_and_too_large(tmp_path):
    (tmp_path / "blank.txt").write_text(" \n\u3000\n", encoding="utf-8")
    assert _read_or_reason(tmp_path / "blank.txt", tmp_path) == "no article text found"
    (tmp_path / "big.txt").write_bytes(b"x" * 3_000_000)
    with pytest.raises(IngestError, match=r"file too large \(3 MB > 2 MB limit\)"):
        read_document(tmp_path / "big.txt", tmp_path, max_bytes=2_000_000)


def test_missing_file_and_unsupported_suffix(tmp_path):
    with pytest.raises(IngestError, match="vanished"):
        read_document(tmp_path / "gone.txt", tmp_path)
    (tmp_path / "a.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(IngestError, match="LibreOffice|no article text"):   # not a Word file, or no converter
        read_document(tmp_path / "a.doc", tmp_path)
    (tmp_path / "a.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(IngestError, match=r"unsupported format \(\.xls\)"):
        read_document(tmp_path / "a.xls", tmp_path)


def test_document_fields(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "a.TXT"
    data = "某某区2018年法治政府建设情况报告\n正文。\n".encode("utf-8")
    path.write_bytes(data)
    doc = read_document(path, tmp_path)
    assert doc.path == str(path.resolve()) and doc.doc_id == "sub/a.TXT" and doc.format == "txt"
    assert doc.content_hash == hashlib.sha1(data).hexdigest()


# --------------------------------------------------------------------------- discovery

def _touch(path, text="正文"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_discover_recursive_sorted_filtered(tmp_path):
    for name in ("b.txt", "a.HTML", "c.htm", "r.pdf", "w.DOCX", "old.doc", "sub/z.txt", "sub/deeper/y.html",
                 "a/x.txt", ".hidden.txt", ".git/config.txt", "sub/notes.md", "sub/p.shtml"):
        _touch(tmp_path / name)
    errors = []
    found = list(discover([tmp_path], on_error=lambda p, why: errors.append((p.relative_to(tmp_path).as_posix(), why))))
    assert [p.relative_to(tmp_path).as_posix() for p, _ in found] == [
        "a/x.txt", "a.HTML", "b.txt", "c.htm", "old.doc", "r.pdf", "sub/deeper/y.html", "sub/p.shtml", "sub/z.txt",
        "w.DOCX"]
    # other files are reported, never ignored silently; hidden ones are not corpus files
    assert errors == [("sub/notes.md", "unsupported format (.md)")]
    assert all(root == tmp_path for _, root in found)
    assert [p for p, _ in found] == sorted(p for p, _ in found)


def test_discover_file_given_directly_and_single_path(tmp_path):
    _touch(tmp_path / "d" / "one.txt")
    assert list(discover([tmp_path / "d" / "one.txt"])) == [(tmp_path / "d" / "one.txt", tmp_path / "d")]
    assert list(discover(tmp_path / "d")) == [(tmp_path / "d" / "one.txt", tmp_path / "d")]
    errors = []
    _touch(tmp_path / "d" / "x.xls")
    assert list(discover([tmp_path / "d" / "x.xls"], on_error=lambda p, why: errors.append((p, why)))) == []
    assert errors == [(tmp_path / "d" / "x.xls", "unsupported format (.xls)")]
    _touch(tmp_path / "d" / "x.wps")
    assert list(discover([tmp_path / "d" / "x.wps"])) == [(tmp_path / "d" / "x.wps", tmp_path / "d")]


def test_discover_symlink_loop_terminates(tmp_path):
    _touch(tmp_path / "a" / "doc.txt")
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    os.symlink(tmp_path, tmp_path / "a" / "up")
    os.symlink(tmp_path / "nowhere.txt", tmp_path / "dangling.txt")
    errors = []
    found = list(discover([tmp_path], on_error=lambda p, why: errors.append((p.name, why))))
    assert [p.relative_to(tmp_path).as_posix() for p, _ in found] == ["a/doc.txt"]
    assert errors == [("dangling.txt", "dangling symlink")]


def test_discover_missing_path_raises(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        list(discover([tmp_path / "nope"]))


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads everything")
def test_discover_unreadable_subdirectory(tmp_path):
    _touch(tmp_path / "ok.txt")
    _touch(tmp_path / "locked" / "secret.txt")
    (tmp_path / "locked").chmod(0)
    try:
        errors = []
        found = list(discover([tmp_path], on_error=lambda p, why: errors.append((p.name, why))))
        assert [p.name for p, _ in found] == ["ok.txt"]
        assert errors == [("locked", "permission denied")]
        with pytest.raises(CorpusError, match="not readable"):
            list(discover([tmp_path / "locked"]))
    finally:
        (tmp_path / "locked").chmod(0o755)


def test_doc_id_for(tmp_path):
    assert doc_id_for(tmp_path / "a" / "b.txt", tmp_path) == "a/b.txt"
    assert doc_id_for(Path("corpus/x.html"), Path("corpus")) == "x.html"
    assert SUFFIXES == (".txt", ".html", ".htm", ".shtml", ".pdf", ".docx",
                        ".doc", ".wps", ".rtf", ".docm", ".dot", ".dotx", ".wpt", ".odt")


def test_short_sentences_with_furniture_words_are_kept():
    # 纠错, 联系我们, 无障碍 are buttons on gov sites, but also words in real sentences
    text = ("某区2018年法治政府建设情况报告\n全年新收行政复议案件36件,纠错5件。\n"
            "开通无障碍服务窗口3个。\n纠错\n")
    body, _ = clean_text(text)
    assert "纠错5件。" in body and "开通无障碍服务窗口3个。" in body
    assert "\n纠错" not in body
    # a title about barrier-free access is a title, the button is not
    body, meta = clean_text("# 无障碍环境建设条例\n\n2012年6月13日 国务院第208次常务会议通过\n\n无障碍\n\n"
                            "第一条 为了创造无障碍环境，制定本条例。\n")
    assert meta["title"] == "无障碍环境建设条例"
    assert "第一条" in body and "\n无障碍\n" not in "\n" + body + "\n"


def test_links_out_of_the_corpus_fifos_and_loops_are_skipped_with_a_reason(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("机密", encoding="utf-8")
    corpus = tmp_path / "corpus"
    (corpus / "in").mkdir(parents=True)
    _touch(corpus / "in" / "a.txt")
    os.symlink(outside / "secret.txt", corpus / "leak.txt")
    os.symlink(outside, corpus / "leakdir")
    os.symlink(corpus / "in" / "a.txt", corpus / "alias.txt")         # inside: followed
    os.symlink(corpus / "loop1.txt", corpus / "loop2.txt")
    os.symlink(corpus / "loop2.txt", corpus / "loop1.txt")
    os.mkfifo(corpus / "pipe.txt")
    errors = {}
    found = [p.name for p, _ in discover([corpus], on_error=lambda p, why: errors.__setitem__(p.name, why))]
    assert found == ["alias.txt", "a.txt"]
    assert errors["leak.txt"].startswith("symlink to a place outside the corpus")
    assert errors["leakdir"].startswith("symlink to a place outside the corpus")
    assert errors["loop1.txt"] == errors["loop2.txt"] == "symlink loop"
    assert errors["pipe.txt"] == "not a regular file"
    direct = []
    assert list(discover([corpus / "pipe.txt"], on_error=lambda p, why: direct.append(why))) == []
    assert direct == ["not a regular file (a FIFO, device or socket)"]


def test_follow_links_indexes_what_links_lead_to(tmp_path):
    outside = tmp_path / "shared"
    outside.mkdir()
    (outside / "r.txt").write_text("某县报告\n\n开展行政复议工作。\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    os.symlink(outside / "r.txt", corpus / "r.txt")
    assert [p.name for p, _ in discover([corpus])] == []
    assert [p.name for p, _ in discover([corpus], follow_links=True)] == ["r.txt"]
    from click.testing import CliRunner

    from searchlib import api
    from searchlib.cli import main
    assert api.build([corpus], tmp_path / "ix", follow_links=True).documents == 1
    r = CliRunner().invoke(main, ["--index", str(tmp_path / "ix2"), "build", str(corpus), "--follow-links"])
    assert r.exit_code == 0 and "Indexed 1 documents" in r.output
