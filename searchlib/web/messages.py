"""Error messages in Chinese for the page (and as ``message_zh`` in the API, beside the
English ``error``): the library's messages are matched by pattern, the values they quote
kept; a message no pattern knows is shown with a Chinese lead-in. Each pattern has a
machine-readable ``code`` for API clients."""
from __future__ import annotations

import re
from typing import Optional

_FIELD_NAMES = {"region": "地区", "year": "年份", "type": "文件类型", "kind": "章节类型", "since": "起始日期",
                "until": "截止日期", "level": "效力级别", "issuer": "制定机关", "limit": "每页条数",
                "offset": "起始位置", "page": "页码", "per_doc": "每个文件的条数", "q": "检索词",
                "sort": "排序方式", "unit": "单位", "passages": "段落数", "by": "分组方式", "context": "上下文段数"}

# (code, pattern, Chinese template: {0}, {1} … are the pattern's groups)
_RULES: list[tuple[str, re.Pattern, str]] = [
    ("unknown_region", re.compile(r"^unknown region '(.*?)'(?:; did you mean (.*?))?(?: \(.*)?$"),
     "没有“{0}”这个地区{1}"),
    ("empty_query", re.compile(r"^(?:empty query|the query is empty)"), "请输入检索词，或选择筛选条件。"),
    ("query_too_long", re.compile(r"^(?:query too long|q is longer than)"),
     "检索词太长（最多 500 字）。"),
    ("bad_date", re.compile(r"^--(since|until) must be a date like .*?, not '(.*)'$"),
     "{0}应写作 2018、2018-06 或 2018-06-30，而不是“{1}”。"),
    ("dates_reversed", re.compile(r"^--since (\S+) is after --until (\S+)$"), "起始日期 {0} 晚于截止日期 {1}。"),
    ("bad_year", re.compile(r"^year must be a (?:number|year like 2018), not '?(.*?)'?$"),
     "年份应为四位数字（如 2018），而不是“{0}”。"),
    ("unknown_level", re.compile(r"^unknown level '(.*?)' \(one of: (.*)\)$"), "没有“{0}”这个效力级别（可选：{1}）。"),
    ("unknown_kind", re.compile(r"^unknown section kind '(.*?)'"), "没有“{0}”这个章节类型。"),
    ("unknown_type", re.compile(r"^unknown document type '(.*?)'"), "没有“{0}”这个文件类型。"),
    ("unknown_field", re.compile(r"^unknown field '(.*?)' in the query"),
     "检索式中的“{0}:”不是可用的字段（可用：region: year: type: kind: since: until: level: issuer: title: heading: body:）。"),
    ("field_needs_value", re.compile(r"^(\w+): needs a value"), "“{0}:”后面需要写上要筛选的值。"),
    ("field_twice", re.compile(r"^(\w+): is given twice"), "“{0}:”在检索式中出现了两次。"),
    ("filters_disagree", re.compile(r"^(\w+):(\S+) in the query disagrees with the \w+ filter '?(.*?)'?$"),
     "检索式中的 {0}:{1} 与已选的筛选条件“{2}”不一致。"),
    ("unbalanced", re.compile(r"unbalanced|unclosed|cannot parse query"), "检索式中的引号或括号没有配对。"),
    ("no_words", re.compile(r"has no searchable words"), "检索词中没有可检索的字词。"),
    ("timeout", re.compile(r"needs more than ([\d.]+) s of search time"),
     "检索超时（超过 {0} 秒）：请增加检索词、加筛选条件或用引号检索短语。"),
    ("bad_number", re.compile(r"^(\w+) must be (?:a whole number|a number), not '(.*?)'"), "{0}应为整数，而不是“{1}”。"),
    ("out_of_range", re.compile(r"^(\w+) must be between (\d+) and (\d+)"), "{0}应在 {1} 到 {2} 之间。"),
    ("bad_flag", re.compile(r"^(\w+) must be true or false"), "{0}只能是“是”或“否”（true/false）。"),
    ("unknown_parameter", re.compile(r"^unknown parameter\(s\): ([^(]*)"), "不认识的参数：{0}。"),
    ("not_found", re.compile(r"^no (?:document|passage) (.*?) in the index"), "索引中没有这份文件或段落：{0}"),
    ("index_missing", re.compile(r"^no index at"), "索引还没有建立，请稍后再试。"),
    ("index_damaged", re.compile(r"is damaged|not a searchlib index"), "索引已损坏，需要重新建立；请联系管理员。"),
    ("index_version", re.compile(r"schema version|another analyzer|was not built by searchlib"),
     "索引需要用当前版本重新建立；请联系管理员。"),
    ("index_locked", re.compile(r"being updated by another process"), "索引正在更新，请稍后再试。"),
]


def translate(message: str) -> tuple[str, Optional[str]]:
    """(Chinese message, code) for an English error message; the code is None when no
    pattern knows it (the Chinese then leads into the message as it is)."""
    for code, pattern, template in _RULES:
        m = pattern.search(message)
        if m:
            groups = [g or "" for g in m.groups()]
            if code == "unknown_region":
                groups[1] = f"；您是不是要找：{groups[1].rstrip('?？').replace(', ', '、')}" if groups[1] else "。"
            groups = [_FIELD_NAMES.get(g, g) for g in groups]
            return template.format(*groups), code
    return f"请求有误：{message}", None


def suggestions(message: str) -> list[str]:
    """The regions an unknown-region message suggests (the page makes them links)."""
    m = re.search(r"did you mean (.*?)(?: \(|$)", message)
    return [s.strip(" ?？") for s in m.group(1).split(",")] if m else []
