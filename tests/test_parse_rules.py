"""Line rules and assembly, each on real snippets of the sample bulletins."""
from __future__ import annotations

import pytest

from newsarchive.parse.lines import classify
from newsarchive.parse.shapes import ends_sentence, headline_like
from newsarchive.parse.names import authors_from_byline

from parse_helpers import heads, parse_text


@pytest.mark.parametrize(
    "line, kind",
    [
        ("·庄妍·", "byline"),
        ("·王峰艳 赵勇进 王子璇·", "byline"),
        ("记者 袁晓婕", "byline"),
        ("张军", "names"),
        ("郭玉红 任溢斌", "names"),
        ("沈凯 丁艺摄", "credit"),
        ("春风又绿 陈峰摄", "credit"),
        ("姜明摄", "credit"),
        ("▲时下,随着气温升高,海安市角斜镇迎来抢种的农忙时节。", "caption"),
        ("① 天生港镇街道龙湖佳苑核酸采样点。", "caption"),
        ("③", "marker"),
        ("- ①天生港镇街道龙湖佳苑核酸采样点。", "list_item"),
        ("## 崇川优化布局110个常态化采样点", "md_heading"),
        ("#### 不等不靠,创新举措", "md_heading"),
        ("1\t动画电影《特工总动员》\t南通壹零零壹文化影视传媒有限公司\t15", "table_row"),
        ("2020年5月13日", "date_line"),
        ("线上堡垒筑核心", "text"),
    ],
)
def test_line_rules(line, kind):
    assert classify(1, line).kind == kind


def test_credit_keeps_photo_title_apart():
    line = classify(1, "春风又绿 陈峰摄")
    assert line.extra["title"] == "春风又绿"
    assert classify(1, "沈凯 丁艺摄").extra["title"] is None


@pytest.mark.parametrize(
    "byline, names",
    [
        ("·王峰艳 赵勇进 王子璇·", ["王峰艳", "赵勇进", "王子璇"]),
        ("·赵勇进 王子璇 孙连文·", ["赵勇进", "王子璇", "孙连文"]),
        ("记者 袁晓婕", ["袁晓婕"]),
        ("沈凯 丁艺摄", ["沈凯", "丁艺"]),
        ("陈峰摄", ["陈峰"]),
        ("本报记者 张三 通讯员 李四", ["张三", "李四"]),
        ("文/王五 图/赵六", ["王五", "赵六"]),
    ],
)
def test_authors_are_names_only(byline, names):
    assert authors_from_byline(byline) == names


def test_sentence_end_and_headline_shape():
    assert ends_sentence("工业集中区污水实现‘零排放’。”")
    assert not ends_sentence("“四包”机")
    assert headline_like(classify(1, "分级响应显担当"))
    assert not headline_like(classify(1, "在西亭镇的企业里,每天都会看到身穿红马甲、手拿笔记本,全神贯"))
    assert not headline_like(classify(1, "(2020年5月13日区第十届人大常委会第三十二次会议通过)"))


def test_page_break_rejoined_mid_word(lexicon):
    issue = parse_text(
        "一企一档——\n\n污水“零排放”\n\n"
        "区委第一时间成立疫情防控工作领导小组和指挥部，建立“常委包街道、区街领导包村（社区）”的“四包”机\n\n"
        "制。发挥全区215个“两新”党组织作用。\n\n张军\n",
        lexicon=lexicon,
    )
    [article] = issue.articles
    [para] = article.blocks
    assert "“四包”机制。发挥" in para.text
    assert para.lines == (5, 7)


def test_short_cut_line_rejoined_by_dictionary_word(lexicon):
    issue = parse_text(
        "西亭镇创新党员冬训方式\n\n服务第一线 党员不缺位\n\n"
        "一年一度的党员冬训,通州区西亭镇彰显特色,与疫情防控、企业复工复产工作紧密结合。\n\n"
        "这是西亭镇党员冬训工作的一\n\n个缩影。针对疫情防控期间不便组织集中学习的工作实际,西亭镇将课堂集中学习变为线上自主学习。\n\n"
        "·王峰艳·\n",
        lexicon=lexicon,
    )
    [article] = issue.articles
    assert [b.type for b in article.blocks] == ["paragraph", "paragraph"]
    assert article.blocks[1].text.startswith("这是西亭镇党员冬训工作的一个缩影。")
    assert any("joined" in w.message for w in issue.warnings)


def test_subheading_is_not_glued_to_its_paragraph(lexicon):
    issue = parse_text(
        "战疫时刻,党组织勇担当善作为\n\n打好园区保卫战 吹响复工冲锋号\n\n"
        "疫情发生以来,天安数码城园区的党员们迅速集结。\n\n线上堡垒筑核心\n\n"
        "1月23日,南通天安数码城园区党支部迅速在“创客党建”微信群里发出号召。\n\n·庄妍·\n",
        lexicon=lexicon,
    )
    [article] = issue.articles
    assert [b.type for b in article.blocks] == ["paragraph", "subheading", "paragraph"]
    assert article.blocks[1].text == "线上堡垒筑核心"
    assert (article.kicker, article.title) == ("战疫时刻,党组织勇担当善作为", "打好园区保卫战 吹响复工冲锋号")


def test_byline_glued_after_closing_quote(lexicon):
    issue = parse_text(
        "幸福工业集中区污水“零排放”\n\n"
        "“街道将定期开展企业雨污分流回头看专项行动，重点查看废水是否达标排放。”任溢斌\n\n"
        "区第十届人大常委会\n第五十次主任会议召开\n\n5月11日，区第十届人大常委会召开第五十次主任会议。\n\n陈学东\n",
        lexicon=lexicon,
    )
    first, second = issue.articles
    assert first.byline == "任溢斌" and first.authors == ["任溢斌"]
    assert first.blocks[-1].text.endswith("达标排放。”")
    assert second.title == "区第十届人大常委会第五十次主任会议召开"
    assert second.authors == ["陈学东"]


def test_markdown_headline_levels(lexicon):
    issue = parse_text(
        "崇川多措并举保障项目推进\n\n## 全力以赴助力复工复产\n\n### 助企纾困 崇川在行动\n\n"
        "在疫情防控这场硬仗中,自然资源和规划局崇川分局积极落实各项举措。\n\n#### 不等不靠,创新举措\n\n"
        "4月中旬,国药控股南通有限公司申请办理开工验线。\n\n·居晓莉·\n",
        lexicon=lexicon,
    )
    assert heads(issue) == [("崇川多措并举保障项目推进", "全力以赴助力复工复产", "助企纾困 崇川在行动")]
    sub = issue.articles[0].blocks[1]
    assert (sub.type, sub.text, sub.level) == ("subheading", "不等不靠,创新举措", 4)


def test_photo_items_and_credits(lexicon):
    issue = parse_text(
        "·李燕 任溢斌·\n\n\n\n"
        "▲6日,启东市东海镇德字村民兵营长黄奕钢在田间操作着农机车。\n\n沈凯 丁艺摄\n\n"
        "▲时下,海安市角斜镇迎来抢种的农忙时节。图为3月7日,“民兵助耕队”帮助村民播种。\n\n姜明摄\n\n"
        "\n\n春风又绿 陈峰摄\n",
        name="2020-03-08-photos.txt",
        lexicon=lexicon,
    )
    photos = issue.articles[1:]
    assert [a.kind for a in photos] == ["photo", "photo", "photo"]
    assert [a.authors for a in photos] == [["沈凯", "丁艺"], ["姜明"], ["陈峰"]]
    assert photos[0].captions[0].startswith("▲6日")
    assert photos[0].event_date == "2020-03-06"
    assert photos[2].title == "春风又绿" and photos[2].byline == "陈峰摄"


def test_untitled_paragraph_with_byline_is_a_photo_caption(lexicon):
    issue = parse_text(
        "·徐爱银·\n\n\n\n近日,港闸区幸福街道转水社区联合党委向辖区企业发出倡议。\n\n·姚建兵 许敏·\n",
        lexicon=lexicon,
    )
    photo = issue.articles[-1]
    assert photo.kind == "photo" and photo.title is None
    assert photo.captions == ["近日,港闸区幸福街道转水社区联合党委向辖区企业发出倡议。"]
    assert photo.authors == ["姚建兵", "许敏"]


def test_notice_with_signature_and_continuation(lexicon):
    issue = parse_text(
        "港闸区人大常委会公告\n\n(2020年5月13日区第十届人大常委会第三十二次会议通过)\n\n"
        "南通市港闸区第十届人民代表大会常务委员会第三十二次会议决定：接受胡丽同志辞去代表职务。\n\n"
        "南通市港闸区人民代表大会常务委员会\n2020年5月13日\n\n"
        "党务书记们当上“带货”主播\n\n(上接1版)“我孩子是这家早教中心的老学员。”孙云在直播带货时现身说法。\n\n林霖\n",
        lexicon=lexicon,
    )
    notice, continued = issue.articles
    assert notice.kind == "notice" and notice.title == "港闸区人大常委会公告"
    assert notice.blocks[-1].type == "signature"
    assert notice.blocks[-1].text == "南通市港闸区人民代表大会常务委员会\n2020年5月13日"
    assert notice.event_date == "2020-05-13"
    assert continued.continued_from == "1版"
    assert continued.blocks[0].text.startswith("“我孩子")
    assert continued.title == "党务书记们当上“带货”主播"


def test_table_rows_kept(lexicon):
    issue = parse_text(
        "关于2019年度扶持项目的公示\n\n现将具体项目及扶持金额公示如下:\n\n"
        "序号\t项目名称\t扶持资金(万元)\n1\t动画电影《特工总动员》\t15\n2\t电视纪录片《铁军传奇》\t10\n\n"
        "如有异议,请联系港闸区委宣传部文艺科。\n",
        lexicon=lexicon,
    )
    [notice] = issue.articles
    table = next(b for b in notice.blocks if b.type == "table")
    assert table.rows[0] == ["序号", "项目名称", "扶持资金(万元)"]
    assert len(table.rows) == 3 and table.lines == (5, 7)
    assert notice.kind == "notice"


def test_numbered_captions_and_markers_attach_to_photo_feature(lexicon):
    issue = parse_text(
        "·仇纳川·\n\n\n\n① 天生港镇街道龙湖佳苑核酸采样点。\n\n\n\n② 和平桥街道环西文化广场便民核酸采样点。\n\n"
        "## 崇川优化布局110个常态化采样点\n\n构建“15分钟核酸采样便民服务区”\n\n"
        "便民核酸采样点改善了医务人员工作条件。\n\n- ①天生港镇街道龙湖佳苑核酸采样点。\n- ②和平桥街道环西文化广场便民核酸采样点。\n\n③\n\n④\n\n"
        "崇川多措并举保障项目推进\n\n## 全力以赴助力复工复产\n\n在疫情防控这场硬仗中,崇川分局积极落实各项举措。\n\n·居晓莉·\n",
        lexicon=lexicon,
    )
    feature = issue.articles[1]
    assert feature.kind == "photo"
    assert (feature.title, feature.subtitle) == ("崇川优化布局110个常态化采样点", "构建“15分钟核酸采样便民服务区”")
    assert feature.captions[-2:] == ["③", "④"] and len(feature.captions) == 6
    assert issue.articles[2].kicker == "崇川多措并举保障项目推进"


def test_headline_broken_over_two_lines_vs_kicker(lexicon):
    issue = parse_text(
        "·于娜·\n\n千年古寺雨天遭遇险情\n\n崇川文旅\n\n启动抢险加固\n\n21日16时左右,千年古寺天宁寺金刚殿花脊出现大面积坍塌。\n\n·胡巧云·\n\n"
        "紧盯“两端一中间”\n\n崇川市场监管局打造进口冷链监管新模式\n\n日前,执法人员对某冷冻食品经营部进行检查。\n\n·于娜·\n",
        name="2022-03-23.txt",
        lexicon=lexicon,
    )
    assert heads(issue)[1:] == [
        ("千年古寺雨天遭遇险情", "崇川文旅启动抢险加固", None),
        ("紧盯“两端一中间”", "崇川市场监管局打造进口冷链监管新模式", None),
    ]
    assert issue.articles[1].event_date == "2022-03-21"


def test_reporter_byline_under_headline_keeps_article_open(lexicon):
    issue = parse_text(
        "崇川召开基层综合执法推进会\n\n记者 张三\n\n5月7日上午,崇川区召开推进会。\n\n会议指出,要持续整合基层执法资源。\n",
        lexicon=lexicon,
    )
    [article] = issue.articles
    assert article.authors == ["张三"] and len(article.blocks) == 2


def test_lead_byline_and_parenthesised_forms(lexicon):
    issue = parse_text(
        "崇川召开推进会\n\n本报讯（记者 张三 通讯员 李四）5月7日上午,崇川区召开推进会。\n\n"
        "会议要求各街道落实。\n\n（王五 赵六）\n\n"
        "虹桥街道开展义诊\n\n本报讯 近日,虹桥街道开展义诊活动。\n\n"
        "▲图为义诊现场。（记者 孙七 摄）\n",
        name="2022-05-08.txt",
        lexicon=lexicon,
    )
    first, second = issue.articles
    assert first.authors == ["张三", "李四", "王五", "赵六"]
    assert first.blocks[0].text.startswith("5月7日上午") and first.event_date == "2022-05-07"
    assert second.title == "虹桥街道开展义诊" and second.blocks[0].text.startswith("近日")
    assert second.captions == ["▲图为义诊现场。"] and "孙七" in second.authors


def test_role_word_is_not_a_photo_title():
    line = classify(1, "记者 张三 摄")
    assert line.kind == "credit" and line.extra["title"] is None
    assert authors_from_byline(line.text) == ["张三"]


def test_colon_line_introduces_paragraphs_without_gluing(lexicon):
    issue = parse_text("区召开安全生产会议\n\n会议强调：\n\n一要压实责任，全面排查隐患。\n\n二要强化监管。\n\n张军\n", lexicon=lexicon)
    [article] = issue.articles
    assert article.title == "区召开安全生产会议"
    assert [b.text for b in article.blocks] == ["会议强调：", "一要压实责任，全面排查隐患。", "二要强化监管。"]


# ---- forms of other papers (docs/forms.md): one line each, in the shapes seen there


@pytest.mark.parametrize(
    "line, kind, extra",
    [
        ("第A02版：要闻", "furniture", {"page": "A02", "page_name": "要闻"}),
        ("二版:综合新闻", "furniture", {"page": "二", "page_name": "综合新闻"}),
        ("A03", "furniture", {"page": "A03", "page_name": None}),
        ("第A02版：要闻 PDF版", "furniture", {"page": "A02", "page_name": "要闻"}),
        ("2023年4月13日 星期四", "furniture", {"date": "2023年4月13日"}),
        ("上一版　下一版　放大　缩小　默认", "furniture", {}),
        ("版面导航 |", "furniture", {}),
        ("A220220217C.jpg", "furniture", {}),
        ("责任编辑：王芳　校对：刘洋　美编：孙杰", "furniture", {"meta": {"责任编辑": ["王芳"], "校对": ["刘洋"], "美编": ["孙杰"]}}),
        ("值班编委/张光明 本版编辑/陈广宇", "furniture", {"meta": {"值班编委": ["张光明"], "本版编辑": ["陈广宇"]}}),
        ("相关推荐", "furniture", {"links": True}),
        ("文/图 见习记者 周小燕", "byline", {}),
        ("张三/文 李四/图", "byline", {}),
        ("（本报记者 王五 整理）", "byline", {}),
        ("■记者 张三", "byline", {"bullet": True}),
        ("通讯员 叶丽君 记者 司新利 文/图", "byline", {}),
        ("平和县第一中学 林小雨", "byline", {}),
        ("本报记者 张伟 摄", "credit", {"title": None}),
        ("拍摄者：王小明", "credit", {"title": None}),
        ("本报记者", "role", {}),
        ("4月10日，瓜沥镇农民在田间抢播早稻。 本报记者 张伟 摄", "caption", {"caption": "4月10日，瓜沥镇农民在田间抢播早稻。", "credit": "本报记者 张伟 摄"}),
        ("市民纷纷拿出手机拍摄", "text", {}),
        ("记者手记", "text", {}),
        ("简讯", "text", {}),
        ("公告", "text", {}),
        ("此致", "text", {}),
    ],
)
def test_line_rules_of_other_papers(line, kind, extra):
    got = classify(1, line)
    assert (got.kind, got.extra) == (kind, extra)


@pytest.mark.parametrize(
    "byline, names",
    [
        ("本报讯（全媒体记者 邬 盛 通讯员 王晓明）", ["邬盛", "王晓明"]),
        ("合川日报消息（融媒体记者 何小平）", ["何小平"]),
        ("信阳消息（黄 兴 孙明江）", ["黄兴", "孙明江"]),
        ("本报讯(德州晚报全媒体记者 张明远)", ["张明远"]),
        ("本报讯 (记者马乐通讯员台艳秋张飞)", ["马乐", "台艳秋", "张飞"]),
        ("新华社北京5月6日电（记者 王小兵）", ["王小兵"]),
        ("本報訊（記者 李鳳霞）", ["李鳳霞"]),
        ("·港组·", ["港组"]),
    ],
)
def test_authors_of_other_papers(byline, names):
    assert authors_from_byline(byline) == names


def test_page_furniture_goes_to_the_issue_not_an_article(lexicon):
    issue = parse_text(
        "第A02版：要闻\n2023年04月13日 星期四\n\n区政府召开常务会议\n"
        "　　本报讯（记者 李红梅）4月12日，区政府召开常务会议。\n责任编辑：王芳　校对：刘洋\n",
        lexicon=lexicon,
    )
    assert (issue.page, issue.page_name, issue.date, issue.date_source) == ("A02", "要闻", "2023-04-13", "page")
    assert issue.page_meta == {"责任编辑": ["王芳"], "校对": ["刘洋"]}
    [article] = issue.articles
    assert (article.title, article.authors, article.event_date) == ("区政府召开常务会议", ["李红梅"], "2023-04-12")


def test_roundup_items_are_articles_and_photo_list_is_one_item(lexicon):
    issue = parse_text(
        "简讯\n湖镇开展防汛应急演练\n　　6月8日，湖镇组织防汛演练。\n\n县图书馆延长开放时间\n　　即日起，县图书馆延长开放。\n\n"
        "摄影大赛组图：田间的红马甲\n　　本报讯（记者 何春燕）秋收时节，志愿者帮老人收稻谷。\n\n抢收稻谷 杨柳 摄\n一筐新米 邓思宇 摄\n",
        lexicon=lexicon,
    )
    first, second, photo = issue.articles
    assert (first.kicker, first.title, second.title) == ("简讯", "湖镇开展防汛应急演练", "县图书馆延长开放时间")
    assert photo.kind == "photo" and photo.captions == ["抢收稻谷", "一筐新米"]
    assert photo.authors == ["何春燕", "杨柳", "邓思宇"]


def test_no_byline_word_holds_a_bracket_or_bullet():
    """`byline_shape` wraps a bare byline in brackets to match it with `TRAILING_BYLINE`'s
    pattern: that is the same test only while no word of a byline is a bracket or bullet."""
    from importlib import resources

    import yaml

    from newsarchive.parse.vocabulary import BULLETS, CLOSE, OPEN

    forms = yaml.safe_load(resources.files("newsarchive").joinpath("data/forms.yaml").read_text("utf-8"))
    words = [w for key in ("roles", "slash_roles", "credit_verbs", "byline_tails", "page_roles") for w in forms[key]]
    assert len(words) > 50 and not [w for w in words if set(w) & set(OPEN + CLOSE + BULLETS)]


def _byline_lines():
    """Every line of the seeds and of the forms catalogue, and each with a bullet before it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = [*sorted((root / "articles").glob("*.txt")), *sorted((root / "tests/fixtures").rglob("*.txt"))]
    lines = {line.strip() for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()}
    return sorted(lines | {f"■{line}" for line in lines} | {f"（{line}）" for line in lines})


def test_byline_shape_is_the_byline_line_pattern_it_replaced():
    """`byline_shape` answers as the two patterns it replaced (the byline's shape compiled twice more)."""
    import re

    from newsarchive.parse.shapes import BYLINE, NAMES, byline_shape
    from newsarchive.parse.vocabulary import BULLETS, CLOSE, OPEN, simplified

    line_pattern = re.compile(rf"^[{BULLETS}]?\s*(?P<open>[{OPEN}])?\s*{BYLINE}\s*(?(open)[{CLOSE}])$")
    paren_names = re.compile(rf"^[{OPEN}]\s*{NAMES}\s*[{CLOSE}]$")
    lines = [simplified(line) for line in _byline_lines()]
    assert len(lines) > 3000
    bylines = 0
    for text in lines:
        assert byline_shape(text) == bool(line_pattern.match(text)), text
        both = bool(line_pattern.match(text) or paren_names.match(text))
        assert byline_shape(text, names_in_brackets=True) == both, text
        bylines += both
    assert bylines > 100


def test_a_credit_line_is_the_caption_credit_from_its_start():
    """`rule_credit` matches `CAPTION_CREDIT`'s pattern from a stripped line's start in place
    of a full match of the credit's shape compiled on its own: the same answer."""
    import re

    from newsarchive.parse.shapes import CAPTION_CREDIT, CREDIT
    from newsarchive.parse.vocabulary import simplified

    credit_line = re.compile(CREDIT)
    credits = 0
    for text in (simplified(line) for line in _byline_lines()):
        assert bool(CAPTION_CREDIT.pattern.match(text)) == bool(credit_line.fullmatch(text)), text
        credits += credit_line.fullmatch(text) is not None
    assert credits > 20
