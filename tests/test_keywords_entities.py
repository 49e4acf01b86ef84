"""Keyword candidates the segmenter has no word for (issue 24): quoted programme names and
company names; a two-character common noun said once in passing counts half."""
from newsarchive.tagging.keywords import entity_names, term_counts


def toks(*pairs):
    return [tuple(p.split("/")) for p in pairs]


def test_quoted_names_and_company_names():
    body = toks("开展/v", "“/x", "红领/n", "创客/n", "”/x", "活动/vn", "，/x", "南通/ns", "大兴/nz", "面粉/n", "有限公司/n", "捐赠/v", "。/x",
                "《/x", "铁军/n", "传奇/n", "》/x", "2020/m", "“/x", "一/m", "企/n", "”/x")
    assert entity_names(body) == ["红领创客", "铁军传奇", "南通大兴面粉有限公司"]


def test_term_counts_weigh_names_and_demote_words_in_passing():
    head = toks("红领/n", "创客/n", "进/v", "社区/n")
    body = toks("“/x", "红领/n", "创客/n", "”/x", "项目/n", "，/x", "突击/n", "，/x", "社区/n", "服务/vn", "服务/vn")
    counts = term_counts(head, body, lambda tok: len(tok[0]) >= 2)
    assert counts["红领创客"] >= 2 and counts["突击"] == 1  # said once, in passing: half
    assert counts["服务"] == 4 and counts["社区"] > counts["突击"]  # in the headline: full weight
