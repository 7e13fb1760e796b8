"""Concreteness: how concretely a passage reports measures and results, in [0, 1].

``concreteness(text, figures=None)``: figures, named instruments (《…办法》),
enumerated measures (一是/二是, (1)) and concrete verbs (出台, 移交, 办结 ...) push
it up; boilerplate (深入贯彻, 高度重视, 新局面 ...) pulls it down. Every signal is a
per-100-character rate, so a long boilerplate paragraph with one number does not
score like a short factual sentence. The weights live in :data:`CONCRETENESS_WEIGHTS`.

It runs at index time on every passage: every pattern is compiled once at import,
the keyword lists are merged into one prefix-factored alternation, and no state is
kept between calls. Input is expected to be normalised (see :mod:`searchlib.normalize`).
"""
from __future__ import annotations

import math
import re
from typing import Optional

from .figures import count_figures
from .models import Figure

__all__ = ["concreteness", "CONCRETENESS_WEIGHTS"]

#: Weights of the concreteness signals. Each signal is a saturating function
#: ``1 - exp(-x / scale)`` of its rate; the positive terms add, boilerplate subtracts.
CONCRETENESS_WEIGHTS = {
    # weight of each signal (the positive ones sum to 1.15 so that a short passage
    # with figures, an instrument and action verbs reaches 1.0 before boilerplate)
    "figures": 0.30,          # number of figures, absolute: 1 - exp(-n / 2)
    "figure_density": 0.30,   # figures per 100 characters
    "instruments": 0.20,      # 《…办法/方案/规定/意见/制度/…》 per 100 characters
    "enumeration": 0.15,      # 一是/二是, (1)(2), 1. 2., 第一、 per 100 characters
    "verbs": 0.20,            # concrete verbs (出台, 移交, 办结 …) per 100 characters
    "boilerplate": 0.35,      # boilerplate phrases per 100 characters (subtracted)
    # scale of each saturation 1 - exp(-x / scale): the rate at which a signal
    # reaches 63% of its weight
    "figures_scale": 2.0,
    "figure_density_scale": 1.0,
    "instruments_scale": 0.5,
    "enumeration_scale": 1.0,
    "verbs_scale": 2.0,
    "boilerplate_scale": 1.5,
    # passages shorter than this are rated as if this long, so that a 10-character
    # fragment with one number does not get an extreme per-100-character rate
    "min_length": 60,
}

_CONCRETE_VERBS = [
    "出台", "印发", "制定", "修订", "建立", "完成", "移交", "移送", "审结", "办结", "受理", "办理",
    "开展", "举办", "组织", "聘请", "聘任", "实现", "化解", "公开", "审查", "培训", "查处", "立案",
    "纠正", "撤销", "备案", "清理", "废止", "调解", "答复", "审核", "发放", "处置", "整治", "取消",
    "下放", "公布", "签订", "出具", "编制", "开通", "上线", "设立", "组建", "成立", "配备", "评查",
    "抽查", "验收", "新收", "结案", "收到", "接待", "办复", "罚没", "查办", "查封", "扣押", "拘留",
    "整改", "问责", "约谈", "建成", "压缩", "缩短", "精简", "梳理", "起草", "听证", "旁听", "出庭",
    "应诉", "审理", "维持", "驳回", "确认", "注销", "申领", "考试", "评估", "论证", "公示", "通报",
]
_BOILERPLATE = [
    "深入贯彻", "认真贯彻", "贯彻落实", "认真贯彻落实", "全面贯彻落实", "深入贯彻落实", "高度重视",
    "进一步加强", "进一步提高", "进一步完善", "进一步推进", "进一步提升", "进一步深化", "进一步健全",
    "重要讲话精神", "重要指示精神", "系列重要讲话", "习近平新时代中国特色社会主义思想", "习近平法治思想",
    "党的十九大精神", "党的十九大", "党的十八大", "党的二十大", "全会精神", "坚强领导", "正确领导",
    "全面推进", "切实加强", "扎实推进", "不断提高", "不断提升", "不断完善", "不断加强", "努力开创",
    "新局面", "新成效", "新篇章", "新跨越", "新台阶", "新气象", "新常态", "坚强有力", "强有力",
    "以人民为中心", "四个意识", "四个自信", "两个维护", "两个确立", "统筹推进", "持续推进", "着力推进",
    "大力推进", "积极推进", "紧紧围绕", "牢固树立", "坚定不移", "始终坚持", "为指导", "为指引",
    "重要内容", "重要位置", "良好氛围", "运用法治思维", "明显成效", "显著成效", "取得了明显成效",
    "决策部署", "总体要求", "落到实处", "组织领导", "公开公正", "守法诚信", "廉洁高效",
    "职能科学", "权责法定", "全面依法治国", "更大贡献", "锐意进取",
    "攻坚克难", "开拓创新", "与时俱进", "求真务实", "真抓实干", "高质量发展", "营造良好", "切实增强",
    "关键少数", "第一责任人", "思想认识", "使命感", "重要性", "紧迫性", "努力打造", "奋力",
]
_BOILERPLATE_SET = frozenset(_BOILERPLATE)


def _trie_regex(words) -> str:
    """One alternation for many literal words, factored by common prefixes
    (出台|出具|出庭 -> 出(?:台|具|庭)) so each position tries few branches.
    Longer words win over their prefixes (认真贯彻落实 before 认真贯彻)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    # the root is left ungrouped: a top-level alternation of literal-led branches
    # lets the regex engine skip straight to possible first characters
    return "|".join(re.escape(ch) + build(child) for ch, child in sorted(trie.items()))


# All concreteness signals in ONE pass. Every branch opens with a literal character,
# so the engine only stops at characters that can start a signal; the special
# patterns come before the keyword trie so that they win at the same position.
_INSTRUMENT = (r"《[^《》\n]{0,60}?(?:办法|方案|规定|意见|制度|细则|清单|条例|通知|计划|指引|目录|"
               r"规则|标准|指南|预案|要点|台账|规程|守则|名录|导则)(?:\([^()\n]{1,8}\))?》")
_PROVIDE_GUARANTEE = r"为[^,。;]{0,20}提供[^,。;]{0,6}(?:保障|支撑|保证)"      # 为…提供坚强法治保障
_ENUMERATION = (r"是(?<=[一二三四五六七八九十]是)(?<![统唯之单同逐万其]..)|\((?:[0-9]{1,2}|[a-z])\)|"
                r"。[0-9]{1,2}\.(?![0-9])|;[0-9]{1,2}\.(?![0-9])|\n[0-9]{1,2}\.(?![0-9])|"
                r"第[一二三四五六七八九十](?=[,、])")
_SIGNAL_RE = re.compile("|".join([_INSTRUMENT, _PROVIDE_GUARANTEE, _ENUMERATION,
                                  _trie_regex(set(_CONCRETE_VERBS) | _BOILERPLATE_SET)]))
_ENUM_AT_START_RE = re.compile(r"[0-9]{1,2}\.(?![0-9])")
_VERB_SET = frozenset(_CONCRETE_VERBS) - _BOILERPLATE_SET


def _sat(x: float, scale: float) -> float:
    return 1.0 - math.exp(-x / scale)


def concreteness(text: str, figures: Optional[list[Figure]] = None) -> float:
    """How concretely ``text`` reports measures and results, in [0, 1].

    ``figures`` may be passed when already extracted (saves the scan). Empty text is 0.0.
    """
    if not text:
        return 0.0
    w = CONCRETENESS_WEIGHTS
    n_fig = len(figures) if figures is not None else count_figures(text)
    n_verb = n_boiler = n_instr = n_enum = 0
    for sig in _SIGNAL_RE.findall(text):
        if sig in _VERB_SET:
            n_verb += 1
        elif sig in _BOILERPLATE_SET:
            n_boiler += 1
        elif sig[0] == "《":
            n_instr += 1
        elif sig[0] == "为":
            n_boiler += 1
        else:
            n_enum += 1
    if _ENUM_AT_START_RE.match(text):
        n_enum += 1
    u = max(len(text), w["min_length"]) / 100.0
    score = (w["figures"] * _sat(n_fig, w["figures_scale"])
             + w["figure_density"] * _sat(n_fig / u, w["figure_density_scale"])
             + w["instruments"] * _sat(n_instr / u, w["instruments_scale"])
             + w["enumeration"] * _sat(n_enum / u, w["enumeration_scale"])
             + w["verbs"] * _sat(n_verb / u, w["verbs_scale"])
             - w["boilerplate"] * _sat(n_boiler / u, w["boilerplate_scale"]))
    return 0.0 if score <= 0.0 else (1.0 if score >= 1.0 else score)
