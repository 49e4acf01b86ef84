"""Tagging stage: places by date, topics, keywords, persons.

Fixtures are built from real snippets of the seed bulletins (shared/seeds, also
in articles/), so every expectation here is one a reader of those pages holds.
"""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive.model import Article, Block, Issue
from newsarchive.tagging import Tagger
from newsarchive.tagging.keywords import MAX_KEYWORDS, MIN_KEYWORDS

ROOT = Path(__file__).resolve().parents[1]

# -- snippets of the seed files ---------------------------------------------------
XINGFU_PHOTO = "近日,港闸区幸福街道转水社区联合党委向辖区企业发出倡议,号召志愿者们制作防护口罩并赠送给一线劳动者。"
RUGAO = (
    "3月6日,如皋市长江镇(如皋港工业园区)组织召开“金融支持疫情防控和复工复产”银政企对接座谈会,"
    "统筹做好疫情防控与企业复工复产,助推长江镇经济社会实现更高质量的发展。会上,共有26家企业与8家银行机构达成融资意向。"
)
XITING = "一年一度的党员冬训,通州区西亭镇彰显特色,与疫情防控、企业复工复产工作紧密结合,让党的创新理论践行在基层一线。"
DONGHAI = "▲6日,启东市东海镇德字村民兵营长黄奕钢在田间操作着农机车。黄奕钢召集了一个班的民兵骨干,趁着天气好抢抓农时。"
HAIAN = "▲时下,随着气温升高,海安市角斜镇迎来抢种的农忙时节。作为全国民兵唯一团级建制的海安角斜红旗民兵团迅速成立“助耕队”。"
CAPTIONS_003 = [
    "① 天生港镇街道龙湖佳苑核酸采样点。",
    "② 和平桥街道环西文化广场便民核酸采样点。",
    "③唐闸镇街道长岸社区万象城采样点。",
    "④狼山镇街道城山路菜市场便民采样点。",
]
ZHONGXIU = "21日、22日,崇川区委书记胡拥军分别前往钟秀街道、虹桥街道,实地检查疫情防控工作。"
RENDA = (
    "5月11日,区第十届人大常委会召开第五十次主任会议。会议审议了设立相关工作机构议案、人事任免议案。"
    "他提出,“5·10”既是“我要廉”的谐音,也是我区人大设立常委会的重要时间节点。"
)
TONGZHOU_COMPANY = "2022年3月23日上午,作为文物古建筑施工二级资质单位,通州古建筑公司已进场实施抢险加固工作。"
NANTONG = "2月19日,南通市研究出台了“点对点”集中接运企业外地员工返通政策。企业员工抵通后,纷纷表示感谢。"


def article(text: str = "", *, title: str | None = None, captions: list[str] | None = None, aid: str = "a") -> Article:
    blocks = [Block("paragraph", p, (1, 1)) for p in text.split("\n") if p]
    return Article(id=aid, title=title, blocks=blocks, captions=list(captions or []))


def issue(*articles: Article, date: str | None = None, district: str | None = None) -> Issue:
    return Issue(source="t.txt", date=date, district=district, articles=list(articles))


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.load()


def tag_one(tagger: Tagger, a: Article, date: str | None, district: str | None = None) -> Article:
    tagger.tag_issues([issue(a, date=date, district=district)])
    return a


# -- places -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, date, districts, streets",
    [
        (XINGFU_PHOTO, "2020-03-07", ["港闸区"], ["幸福街道"]),
        (XINGFU_PHOTO, "2022-05-08", ["崇川区"], ["幸福街道"]),  # 港闸区 is gone: its successor
        (RUGAO, "2020-03-07", ["如皋市"], ["长江镇"]),
        (XITING, "2020-03-07", ["通州区"], ["西亭镇"]),
        (DONGHAI, "2020-03-07", ["启东市"], ["东海镇"]),
        (HAIAN, "2020-03-07", ["海安市"], ["角斜镇"]),
        ("港闸区唐闸镇街道妇联开设的布艺口罩直播课准时开讲。", "2020-03-07", ["港闸区"], ["唐闸镇街道"]),
        ("天生港镇街道国庆村党委书记顾雅萍说。", "2022-05-08", ["崇川区"], ["天生港镇街道"]),
        (ZHONGXIU, "2022-03-23", ["崇川区"], ["钟秀街道", "虹桥街道"]),  # 钟秀、虹桥街道 shares the suffix
    ],
)
def test_places_in_the_forms_bulletins_use(tagger, text, date, districts, streets):
    a = tag_one(tagger, article(text), date)
    assert a.districts == districts
    assert a.streets == streets


@pytest.mark.parametrize("date, district", [("2020-05-15", "港闸区"), ("2022-03-23", "崇川区"),
                                            ("2020-06-05", "崇川区")])  # the day of 国函〔2020〕79号
def test_a_street_many_places_share_follows_the_home_and_the_date(tagger, date, district):
    """Ten places are called 幸福街道: alone it is no tag; with the issue's home in 南通 it is
    南通's, whose district follows the date."""
    text = "幸福街道开展企业雨污分流专项整治行动。"
    assert tag_one(tagger, article(text), date).streets == []
    a = tag_one(tagger, article(text), date, district="港闸区")
    assert (a.districts, a.streets) == ([district], ["幸福街道"])


def test_photo_feature_captions_2022_are_all_chongchuan(tagger):
    a = tag_one(tagger, article("便民核酸采样点改善了医务人员工作条件。", captions=CAPTIONS_003), "2022-05-08")
    assert a.districts == ["崇川区"]
    assert sorted(a.streets) == sorted(["天生港镇街道", "和平桥街道", "唐闸镇街道", "狼山镇街道"])


def test_bare_short_name_is_its_district_but_a_bare_stem_is_not_a_town(tagger):
    a = tag_one(tagger, article("", title="如皋长江银政企对接会"), "2020-03-07")
    assert a.districts == ["如皋市"]
    assert a.streets == []  # 长江 is the river's name too: only 长江镇 is the town


@pytest.mark.parametrize(
    "text",
    [NANTONG, TONGZHOU_COMPANY, "从山东、安徽、河南等地接运外地员工有序返通。", "今年以来,华能南通电厂完成67台次发电机组深度调峰任务。"],
)
def test_no_district_is_invented(tagger, text):
    a = tag_one(tagger, article(text), "2022-03-23")
    assert a.districts == []
    assert a.streets == []


def test_haian_and_haimen_stay_apart_and_haimen_follows_the_date(tagger):
    a = tag_one(tagger, article(HAIAN), "2020-03-07")
    assert "海门市" not in a.districts and "海门区" not in a.districts
    assert tag_one(tagger, article("海门港新区项目开工。海门召开推进会。"), "2019-10-01").districts == ["海门市"]
    assert tag_one(tagger, article("海门港新区项目开工。海门召开推进会。"), "2022-10-01").districts == ["海门区"]


def test_self_reference_resolves_to_the_issues_own_district(tagger):
    a = article(RENDA)
    tagger.tag_issues([issue(a, date="2020-05-15", district="港闸区")])
    assert a.districts == ["港闸区"]
    # front matter naming the old district in a 2022 issue: the district as it is then
    b = article(RENDA)
    tagger.tag_issues([issue(b, date="2022-05-15", district="港闸区")])
    assert b.districts == ["崇川区"]


def test_issue_district_is_the_one_most_written_about(tagger):
    own = article(RENDA, aid="own")
    others = [article(XINGFU_PHOTO, aid="x"), article("陈桥街道开展“春风行动”。", aid="c"), article(RUGAO, aid="r")]
    i = issue(own, *others, date="2020-03-07")
    tagger.tag_issues([i])
    assert i.district == "港闸区"
    assert own.districts == ["港闸区"]  # 我区 / 区委 → the issue's district
    assert others[2].districts == ["如皋市"]  # no self-reference there: nothing added


def test_no_self_reference_without_a_known_district(tagger):
    a = article(RENDA)
    i = issue(a, date="2020-05-15")
    tagger.tag_issues([i])
    assert i.district is None
    assert a.districts == []


def test_place_names_segment_whole_and_are_not_persons(tagger):
    words = tagger.segmenter.cut("天生港镇街道龙湖佳苑核酸采样点,狼山镇街道城山路,启东市东海镇德字村民兵营长")
    for name in ("天生港镇街道", "狼山镇街道", "东海镇"):
        assert name in words
    a = tag_one(tagger, article("陈桥街道青年志愿者如约来到。在疫情防控阻击的斗争中,用自己的努力守护着秦灶。钟秀和虹桥街道核酸便民检测点。"),
                "2020-03-07")
    assert not {"陈桥", "秦灶", "钟秀"} & set(a.persons)


def test_reference_jieba_splits_these_names_without_the_gazetteer():
    """Why the user dictionary exists: jieba's own cut breaks the names (the issue's observation)."""
    jieba = pytest.importorskip("jieba")
    words = jieba.Tokenizer().lcut("天生港镇街道龙湖佳苑核酸采样点。狼山镇街道城山路")
    assert "天生港镇街道" not in words and "狼山镇街道" not in words


def _spans(words: list[str]) -> set[tuple[int, int]]:
    out, pos = set(), 0
    for w in words:
        out.add((pos, pos + len(w)))
        pos += len(w)
    return out


def test_rjieba_segments_like_the_jieba_reference(tagger):
    """Our rjieba-backed segmenter and jieba, given the same user words, cut the samples alike."""
    jieba = pytest.importorskip("jieba")
    reference = jieba.Tokenizer()
    for word, freq, flag in tagger.segmenter.user_words:
        reference.add_word(word, freq, flag)
    same = total = 0
    for path in sorted((ROOT / "articles").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                ours, theirs = _spans(tagger.segmenter.cut(line)), _spans(reference.lcut(line))
                same += len(ours & theirs)
                total += len(theirs)
    assert total > 5000
    assert same / total > 0.999  # 99.98 % on the samples, as the issue measured without user words


def test_gazetteer_file_is_what_the_build_script_makes():
    """The committed gazetteer is regenerated from ../shared/data/nantong-divisions.yaml, not hand-edited."""
    import yaml

    from newsarchive.tagging import PACKAGE_DATA

    shared = ROOT.parent / "shared" / "data" / "nantong-divisions.yaml"
    if not shared.is_file():
        pytest.skip("shared divisions table not present")
    sys.path.insert(0, str(PACKAGE_DATA))
    try:
        import build_gazetteer
    finally:
        sys.path.remove(str(PACKAGE_DATA))
    committed = yaml.safe_load((PACKAGE_DATA / "gazetteer.yaml").read_text(encoding="utf-8"))
    built = build_gazetteer.build(yaml.safe_load(shared.read_text(encoding="utf-8")), committed)
    assert built == committed
    text = (PACKAGE_DATA / "gazetteer.yaml").read_text(encoding="utf-8")
    assert "Licence: CC0-1.0" in text and "WTFPL" in text and "MIT" in text  # the source notes travel along


# -- persons ----------------------------------------------------------------------
def test_persons_are_names_not_everyday_words(tagger):
    a = tag_one(tagger, article(ZHONGXIU + "他强调,要保驾护航,周密部署。企业负责人赵国炎介绍,区人民政府副区长张军列席会议。"),
                "2022-03-23")
    assert "胡拥军" in a.persons
    assert "赵国炎" in a.persons
    assert "张军" in a.persons
    assert not {"保驾护航", "周密"} & set(a.persons)
    assert not set(a.persons) & set(a.keywords)



@pytest.mark.parametrize("tokens, joined", [
    # a lone surname after a title, or tagged nr, takes the given name after it
    ([("区委书记", "n"), ("胡", "nr"), ("拥军", "nr"), ("分别", "d")], [("区委书记", "n"), ("胡拥军", "nr"), ("分别", "d")]),
    # the given name starts with a surname too (金): taken by the join, not a start of its own
    ([("主任", "n"), ("李", "n"), ("金平", "n"), ("说", "v")], [("主任", "n"), ("李金平", "nr"), ("说", "v")]),
    # a two-character piece after a title (负责人 赵国/炎), ended by a verb
    ([("负责人", "n"), ("赵国", "nr"), ("炎", "ng"), ("介绍", "v")], [("负责人", "n"), ("赵国炎", "nr"), ("介绍", "v")]),
    # two names in a list, the second after 、
    ([("书记", "n"), ("胡", "nr"), ("拥军", "nr"), ("、", "x"), ("严", "nr"), ("崇明", "ns")],
     [("书记", "n"), ("胡拥军", "nr"), ("、", "x"), ("严崇明", "nr")]),
    # no title, not tagged a name: left alone; last token; nothing at all
    ([("高", "a"), ("质量", "n")], [("高", "a"), ("质量", "n")]),
    ([("书记", "n"), ("王", "nr")], [("书记", "n"), ("王", "nr")]),
    ([], []),
])
def test_split_names_are_joined_again(tokens, joined):
    from newsarchive.tagging.persons import join_names

    assert join_names(tokens) == joined

# -- keywords and topics over the sample archive ----------------------------------
def _sample_issues():
    pipeline = pytest.importorskip("newsarchive.pipeline")
    return [pipeline.parse_file(p, ROOT) for p in sorted((ROOT / "articles").glob("*.txt"))]


@pytest.fixture(scope="module")
def samples(tagger):
    issues = _sample_issues()
    tagger.tag_issues(issues)
    return issues


def _find(issues, needle: str) -> Article:
    for i in issues:
        for a in i.articles:
            if needle in a.body_text:
                return a
    raise AssertionError(f"no article contains {needle!r}")


def test_samples_places_as_hand_annotated(samples):
    assert [i.district for i in samples] == ["港闸区", "港闸区", "港闸区", "崇川区", "崇川区"]
    photo = _find(samples, "转水社区联合党委")
    assert (photo.districts, photo.streets) == (["港闸区"], ["幸福街道"])
    rugao = _find(samples, "如皋长江银政企对接会")
    assert (rugao.districts, rugao.streets) == (["如皋市"], ["长江镇"])
    feature = _find(samples, "崇川优化布局110个常态化采样点")
    assert feature.districts == ["崇川区"]
    assert set(feature.streets) == {"天生港镇街道", "和平桥街道", "唐闸镇街道", "狼山镇街道"}
    xingfu_2022 = _find(samples, "幸福街道转水、秦西社区")
    assert "港闸区" not in xingfu_2022.districts and "崇川区" in xingfu_2022.districts
    power_plant = _find(samples, "华能南通电厂")
    assert power_plant.districts == []  # 南通 is the city, not a district
    temple = _find(samples, "天宁寺金刚殿")
    assert "通州区" not in temple.districts  # 通州古建筑公司 is a company


def test_samples_every_article_gets_topics_and_keywords(samples, tagger):
    articles = [a for i in samples for a in i.articles]
    assert len(articles) >= 30
    for a in articles:
        text = a.body_text
        if len(text) < 20:  # a bare photo credit (春风又绿) says too little to classify
            assert len(a.topics) <= 1
            continue
        assert 1 <= len(a.topics) <= 3, (a.display_title, a.topics)
        assert len(a.topics) == len(set(a.topics))
        if len(text) >= 200:
            assert MIN_KEYWORDS <= len(a.keywords) <= MAX_KEYWORDS, (a.display_title, a.keywords)
        assert not set(a.keywords) & set(a.districts)  # the districts field already says those
        assert not set(a.keywords) & set(a.persons)
        for k in a.keywords:
            assert not any(ch.isdigit() for ch in k), k
            assert k not in tagger.stopwords, k


@pytest.mark.parametrize(
    "needle, topic",
    [
        ("第五十次主任会议", "人大政协"),
        ("雨污分流", "生态环保"),
        ("五一劳动奖状", "表彰"),
        ("首席服务员", "营商环境与企业服务"),
        ("天宁寺金刚殿", "文化旅游"),
        ("社区工作者不惧风险", "社区治理"),
        ("党员冬训", "党建"),
        ("常态化便民核酸采样", "疫情防控"),
        ("集结号", "复工复产"),
    ],
)
def test_samples_first_topic_is_what_the_article_is_about(samples, needle, topic):
    a = _find(samples, needle)
    assert a.topics[0] == topic, (a.display_title, a.topics)


def test_samples_notices_are_notices(samples):
    assert "公告公示" in _find(samples, "港闸区人大常委会公告").topics
    assert "公告公示" in _find(samples, "如有异议").topics


@pytest.mark.parametrize(
    "needle, keyword",
    [
        ("雨污分流", "雨污分流"),
        ("首席服务员", "首席服务员"),
        ("天宁寺金刚殿", "天宁寺"),
        ("进口冷链", "冷链"),
        ("党员冬训", "党员冬训"),
        ("中关村信息谷", "中关村"),
        ("侨联召开一届四次", "侨联"),
    ],
)
def test_samples_keywords_name_the_subject(samples, needle, keyword):
    assert keyword in _find(samples, needle).keywords


def test_samples_words_every_article_uses_do_not_lead(samples):
    articles = [a for i in samples for a in i.articles]
    leads = {a.keywords[0] for a in articles if a.keywords}
    assert not leads & {"工作", "疫情", "疫情防控", "企业", "发展", "社区"}
    assert len(leads) > len(articles) * 0.8  # each article its own lead word


# -- the IDF ------------------------------------------------------------------------
def test_archive_idf_sinks_words_every_article_has(tagger):
    common = "疫情防控工作扎实推进。" * 6
    texts = [common + "雨污分流整治,污水管网改造,截污纳管。", common + "侨联组织侨界群众,侨务工作。",
             common + "天宁寺文物修缮,抢险加固金刚殿。"]
    arts = [article(t, aid=str(n)) for n, t in enumerate(texts)]
    tagger.tag_issues([issue(*arts, date="2022-03-23")])
    for a in arts:
        assert a.keywords and a.keywords[0] not in {"疫情防控", "疫情", "防控"}
    assert "雨污分流" in arts[0].keywords and "侨联" in arts[1].keywords and "天宁寺" in arts[2].keywords


# -- editors' data, version, determinism --------------------------------------------
def test_archive_data_dir_extends_gazetteer_topics_and_stopwords(tmp_path):
    (tmp_path / "gazetteer.yaml").write_text(
        "aliases: {转水社区: 幸福街道}\n"
        "townships:\n  - {name: 新园街道, kind: subdistrict, district: 崇川区}\n",
        encoding="utf-8",
    )
    (tmp_path / "topics.yaml").write_text("topics:\n  志愿服务:\n    description: 志愿者\n    terms: {志愿者: 5}\n", encoding="utf-8")
    (tmp_path / "stopwords.txt").write_text("口罩\n", encoding="utf-8")
    extended = Tagger.load(tmp_path)
    a = article("转水社区号召志愿者们制作防护口罩。新园街道志愿者赠送口罩。")
    extended.tag_issues([issue(a, date="2020-03-07")])
    assert a.streets == ["幸福街道", "新园街道"] or set(a.streets) == {"幸福街道", "新园街道"}
    assert set(a.districts) == {"港闸区", "崇川区"}  # 新园街道 is the editor's; 幸福街道 by its alias, in 2020
    assert a.topics[0] == "志愿服务"
    assert "口罩" not in a.keywords
    assert extended.version != Tagger.load().version


def test_version_is_stable_and_short(tagger):
    assert tagger.version == Tagger.load().version
    assert len(tagger.version) == 16


def test_tags_are_deterministic_across_processes():
    """Same input, different hash seeds: identical output (no set/dict order leaks)."""
    pytest.importorskip("newsarchive.pipeline")
    script = (
        "import json,sys\nfrom pathlib import Path\nfrom newsarchive.pipeline import parse_file\n"
        "from newsarchive.tagging import Tagger\n"
        f"root=Path({str(ROOT)!r})\n"
        "issues=[parse_file(p, root) for p in sorted((root/'articles').glob('*.txt'))]\n"
        "Tagger.load().tag_issues(issues)\n"
        "print(json.dumps([[i.district]+[[a.districts,a.streets,a.topics,a.keywords,a.persons] for a in i.articles] for i in issues],"
        " ensure_ascii=False))\n"
    )
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
        outs.append(json.loads(run.stdout))
    assert outs[0] == outs[1]


def test_retagging_gives_the_same_result(tagger):
    arts = [article(t, aid=str(n)) for n, t in enumerate([XINGFU_PHOTO, RUGAO, XITING, DONGHAI, ZHONGXIU])]
    first = issue(*arts, date="2020-03-07")
    second = copy.deepcopy(first)
    tagger.tag_issues([first])
    tagger.tag_issues([second])
    assert [a.to_dict() for a in first.articles] == [a.to_dict() for a in second.articles]


_han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_text = st.text(alphabet=st.one_of(_han, st.sampled_from(list("，。、“”0123456789 \nA区街道镇市"))), max_size=200)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_text, min_size=1, max_size=4), date=st.sampled_from([None, "2019-01-01", "2020-06-05", "2023-01-01"]))
def test_any_text_tags_without_error_and_within_bounds(tagger, texts, date):
    arts = [article(t, aid=str(n)) for n, t in enumerate(texts)]
    tagger.tag_issues([issue(*arts, date=date)])
    for a in arts:
        assert len(a.topics) <= 3 and len(a.keywords) <= MAX_KEYWORDS
        for field in (a.districts, a.streets, a.topics, a.keywords, a.persons):
            assert len(field) == len(set(field))
        assert set(a.districts) <= set(tagger.gazetteer.districts)


def test_sampled_idf_median_is_jiebas_exact_median(tagger):
    """JiebaIDF takes the median of a sample for speed; on jieba's table it is the exact one."""
    assert tagger.jieba_idf.median == tagger.jieba_idf.exact_median()
    assert "截污纳管" not in tagger.jieba_idf and tagger.jieba_idf["截污纳管"] == tagger.jieba_idf.median
    assert tagger.jieba_idf["工作"] < tagger.jieba_idf.median  # a common word: low IDF


def test_place_names_for_check_include_full_short_and_alias_forms(tagger):
    names = tagger.place_names()
    assert {"港闸区", "崇川", "幸福街道", "天生港镇街道", "港闸经济开发区", "长江镇"} <= names
    assert "长江" not in names and "南通" not in names


def test_data_files_parsed_once_are_read_back_without_pyyaml(tmp_path, monkeypatch):
    import sys

    from newsarchive.yamlfile import read_yaml

    data = tmp_path / "gazetteer.yaml"
    data.write_text("aliases:\n  港闸: 港闸区\nlist: [1, 2.5, true, null]\n", encoding="utf-8")
    dated = tmp_path / "dated.yaml"
    dated.write_text("when: 2020-05-15\n", encoding="utf-8")
    first = read_yaml(data, tmp_path / "cache")
    assert first == {"aliases": {"港闸": "港闸区"}, "list": [1, 2.5, True, None]} == read_yaml(data)
    assert str(read_yaml(dated, tmp_path / "cache")["when"]) == "2020-05-15"  # not kept (marshal takes no date)
    assert len(list((tmp_path / "cache" / "yaml").iterdir())) == 1
    monkeypatch.setitem(sys.modules, "yaml", None)  # importing PyYAML now fails
    assert read_yaml(data, tmp_path / "cache") == first
    data.write_text("aliases: {}\n", encoding="utf-8")  # another file: parsed again
    with pytest.raises(ImportError):
        read_yaml(data, tmp_path / "cache")
