from newsarchive.dates import Mention, event_date, infer_issue_date, normalise_date, resolve


def test_infer_issue_date_uses_latest_date_of_the_latest_year():
    text = "2019年,长江镇积极应对。2020年,长江镇将始终以经济发展为第一要务。3月6日,召开座谈会。图为3月7日。"
    assert infer_issue_date(text)[0] == "2020-03-07"
    assert infer_issue_date("(2020年5月13日会议通过) 5月15日下午,大会召开。")[0] == "2020-05-15"
    assert infer_issue_date("没有日期的文字。")[0] is None


def test_partial_dates_resolve_against_issue_date():
    assert resolve(Mention(None, None, 21, 0), "2022-03-23") == "2022-03-21"
    assert resolve(Mention(None, None, 28, 0), "2022-03-02") == "2022-02-28"
    assert resolve(Mention(None, 12, 30, 0), "2021-01-05") == "2020-12-30"
    assert resolve(Mention(2020, 5, 13, 0), None) == "2020-05-13"


def test_event_date_from_lead():
    assert event_date(["21日、22日,崇川区委书记胡拥军分别前往钟秀街道。"], "2022-03-23") == "2022-03-21"
    assert event_date(["5月15日下午，我区庆祝五一国际劳动节。"], "2020-05-15") == "2020-05-15"
    assert event_date(["近日,崇川区政协认真贯彻落实。", "17日,区政协主席来到社区。3月22日,看望慰问一线防疫人员。"], "2022-03-23") == "2022-03-22"
    assert event_date(["全区24家企业入选名单。"], "2020-05-15") is None


def test_front_matter_date_forms():
    import datetime

    assert normalise_date(datetime.date(2020, 5, 19)) == "2020-05-19"
    assert normalise_date("2020年5月19日") == "2020-05-19"
    assert normalise_date("2020/5/19") == "2020-05-19"
    assert normalise_date("soon") is None
