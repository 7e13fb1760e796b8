"""Reports in traditional characters read as their simplified originals do: the same
headings and section kinds, the same concreteness, and the ``???`` an encoder writes for
characters Big5 lacks is layout, not text (scripts/format_fidelity.py, variant big5)."""
from searchlib.concreteness import concreteness
from searchlib.normalize import fold_traditional, normalize_document_text
from searchlib.structure import parse_sections, split_passages

SIMPLIFIED = ("西安市莲湖区人民政府办公室关于印发莲湖区2017年法治政府建设工作要点的通知\n"
              "区人民政府各工作部门：\n现将《莲湖区2017年法治政府建设工作要点》印发给你们，请认真贯彻落实。\n"
              "莲湖区2017年法治政府建设工作要点\n"
              "一、总体目标\n全面推进依法行政，建设法治政府。\n"
              "二、主要任务\n1.强化依法行政考核。将法治政府建设成效纳入年度考核，占比不低于5%。\n"
              "在肯定成绩的同时，我们也清醒看到存在的困难和问题：基层执法力量薄弱。\n")
TRADITIONAL = ("西安市蓮湖區人民政府辦公室關於印發蓮湖區2017年法治政府建設工作要點的通知\n"
               "區人民政府各工作部門：\n現將《蓮湖區2017年法治政府建設工作要點》印發給你們，請認真貫徹落實。\n"
               "蓮湖區2017年法治政府建設工作要點\n"
               "一、總體目標\n全面推進依法行政，建設法治政府。\n"
               "二、主要任務\n1.強化依法行政考核。將法治政府建設成效納入年度考核，佔比不低於5%。\n"
               "在肯定成績的同時，我們也清醒看到存在的困難和問題：基層執法力量薄弱。\n")


def _kinds(text, title):
    sections = parse_sections(text, title, "work_plan")
    return [(fold_traditional(" / ".join(p.heading_path)), p.section_kind) for p in split_passages("x", sections)]


def test_traditional_headings_and_kinds_are_the_simplified_ones():
    simplified = _kinds(SIMPLIFIED, SIMPLIFIED.split("\n")[0])
    traditional = _kinds(TRADITIONAL, TRADITIONAL.split("\n")[0])
    assert traditional == simplified
    assert any(h.endswith("莲湖区2017年法治政府建设工作要点 / 一、总体目标") for h, _ in traditional)
    assert traditional[-1][1] == "problems"


def test_traditional_text_is_as_concrete_as_simplified():
    s = "全年办理行政复议案件126件，投入资金3.5亿元，建设高标准农田300万亩。"
    t = "全年辦理行政複議案件126件，投入資金3.5億元，建設高標準農田300萬畝。"
    assert concreteness(fold_traditional(t)) == concreteness(s)


def test_question_marks_an_encoder_wrote_are_spaces():
    text = "發佈機構:區政府辦公室 ???? 文號:蓮政辦發〔2017〕20號 ? ? ? ? ?西安市蓮湖區人民政府辦公室\n真的嗎?是的?"
    got = normalize_document_text(text)
    assert "??" not in got and "? ?" not in got
    assert got.endswith("真的嗎?是的?")            # a real question mark stays
