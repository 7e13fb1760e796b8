"""The concreteness score (searchlib.concreteness)."""
import pytest

from searchlib.concreteness import CONCRETENESS_WEIGHTS, concreteness
from searchlib.figures import extract_figures

BOILER = "深入贯彻党的十九大精神,高度重视法治政府建设,进一步加强组织领导,不断提高依法行政水平。"
FACT = "全年移交涉刑案件30件,办结行政复议案件36件,出台《行政执法公示办法》。"
MIDDLE = "一是出台《行政执法公示办法》,规范公示内容。二是建立行政执法全过程记录制度,配备执法记录设备。"


def test_concreteness_orders_boilerplate_measures_and_results():
    b, m, f = concreteness(BOILER), concreteness(MIDDLE), concreteness(FACT)
    assert b < 0.2 and f > 0.6
    assert b < m < f


def test_concreteness_bounds_and_empty():
    assert concreteness("") == 0.0
    for text in (BOILER, FACT, MIDDLE, FACT * 20, "30件" * 50):
        assert 0.0 <= concreteness(text) <= 1.0


def test_concreteness_accepts_precomputed_figures():
    figs = extract_figures(FACT)
    assert concreteness(FACT, figs) == pytest.approx(concreteness(FACT))
    assert concreteness(FACT, []) < concreteness(FACT, figs)


def test_concreteness_is_monotonic_in_concrete_content():
    vague = "今年以来,区政府高度重视行政复议工作,切实加强复议案件办理,不断提高办案质量。"
    concrete = "今年以来,区政府新收行政复议案件36件,受理28件,审结25件,办案质量不断提高。"
    more = concrete + "出台《行政复议案件审理办法》。"
    assert concreteness(vague) < concreteness(concrete) <= concreteness(more)


def test_concreteness_normalises_by_length():
    short_fact = "全年办结行政复议案件36件。"
    long_boiler = ("坚持以习近平新时代中国特色社会主义思想为指导,深入贯彻党的十九大精神,认真贯彻落实"
                   "上级决策部署,高度重视法治政府建设,进一步加强组织领导,切实加强统筹协调,扎实推进"
                   "各项工作,不断提高依法行政水平,努力开创法治政府建设新局面。") * 3 + "办结案件36件。"
    assert concreteness(long_boiler) < 0.2 < concreteness(short_fact)
    assert concreteness(long_boiler) < concreteness(short_fact) - 0.2


def test_weights_are_named():
    assert {"figures", "boilerplate", "min_length"} <= set(CONCRETENESS_WEIGHTS)

