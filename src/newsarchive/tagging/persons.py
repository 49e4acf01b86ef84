"""People named in an article (jieba POS `nr`), kept apart from keywords.

jieba's HMM splits many given names off their surname (胡/拥军, 江/建春), so a
lone surname right after a title (书记, 区长, 主任 …) or in a list of names is
joined with the one- or two-character word that follows.
"""
from __future__ import annotations

import re
from collections import Counter

from .segment import Token

PERSON_FLAGS = frozenset({"nr", "nrfg"})
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤葛施季"
    "仇居闻帅尤庄束保"
)
#: words a name follows (matched as endings: 区委书记, 副主任, 党组书记)
TITLES = tuple(
    "书记 区长 市长 镇长 主任 局长 部长 主席 组长 队长 经理 董事 负责人 委员 教授 院长 校长 社工 民警 "
    "志愿者 营长 班长 党员 主播 队员 店主 老板 员工 村民 居民 职工 主管 分子 专家 队员 成员".split()
)
PLACE_ENDINGS = frozenset("祠园苑寺路街区湾城厂局委部奖感楼馆站所院场店村镇市县省港桥")
#: jieba IDF below this: a word common in general text, not a personal name
COMMON_WORD_IDF = 10.0
_FUNCTION_FLAGS = frozenset({"x", "p", "u", "c", "uj", "ul", "uz", "ud", "uv", "ug", "d", "m", "q", "r", "t", "f"})
#: what jieba tags the pieces of a split name (黄奕/z 钢/n, 徐海/ns 燕/nr), and what may follow a name
_NAME_PIECE_FLAGS = frozenset({"n", "nr", "ns", "ng", "nrfg", "nrt", "a", "z", "zg"})
_NAME_END_FLAGS = frozenset({"x", "v", "p", "d", "c"})
_HAN = re.compile(r"[\u4e00-\u9fff]+")


def _after_title(out: list[Token]) -> bool:
    """The previous word ends in a title (区委书记, 主任), or is a 、 after a name."""
    if not out:
        return False
    prev = out[-1][0]
    if prev.endswith(TITLES):
        return True
    return prev == "、" and len(out) > 1 and out[-2][1] == "nr"


def _is_given_name(tok: Token | None, max_len: int) -> bool:
    return tok is not None and 1 <= len(tok[0]) <= max_len and bool(_HAN.fullmatch(tok[0])) and tok[1] not in _FUNCTION_FLAGS


def join_names(tokens: list[Token]) -> list[Token]:
    """Rejoin names jieba split: 胡/拥军, 李/金平, (主任) 严/崇明, (负责人) 赵国/炎, (营长) 黄奕/钢.

    Only a short word starting with a surname can start a name: those are found in one
    pass, and the runs of tokens between them are copied whole (this runs on every
    article's tokens: token by token it was a sixth of the parse)."""
    out: list[Token] = []
    n = len(tokens)
    done = 0  # tokens[:done] are in `out`
    for i in [i for i, tok in enumerate(tokens) if tok[0][:1] in SURNAMES and len(tok[0]) <= 2]:
        if i < done:  # joined to the one before
            continue
        out += tokens[done:i]
        word, flag = tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < n else None
        after = tokens[i + 2] if i + 2 < n else None
        if len(word) == 1 and (flag == "nr" or _after_title(out)) and _is_given_name(nxt, 2):
            out.append((word + nxt[0], "nr"))
            done = i + 2
        elif (len(word) == 2 and flag in _NAME_PIECE_FLAGS and _after_title(out)
                and _is_given_name(nxt, 1) and nxt[1] in _NAME_PIECE_FLAGS
                and (after is None or after[1] in _NAME_END_FLAGS)):
            out.append((word + nxt[0], "nr"))
            done = i + 2
        else:
            out.append(tok)
            done = i + 1
    out += tokens[done:]
    return out


def looks_like_name(word: str, general_idf) -> bool:
    """jieba's dictionary tags some everyday words nr (保驾护航, 周密, 楼宇): a name starts with
    a surname, has 2–3 characters, does not end like a place, and is rare in general text."""
    return (
        2 <= len(word) <= 3
        and word[0] in SURNAMES
        and word[-1] not in PLACE_ENDINGS
        and bool(_HAN.fullmatch(word))
        and (word not in general_idf or general_idf[word] >= COMMON_WORD_IDF)
    )


def persons(tokens: list[Token], not_names: frozenset[str], general_idf) -> list[str]:
    """Names by how often they occur, then first mention."""
    counts: Counter = Counter()
    first: dict[str, int] = {}
    for i, (word, flag) in enumerate(tokens):
        if flag in PERSON_FLAGS and word not in not_names and looks_like_name(word, general_idf):
            counts[word] += 1
            first.setdefault(word, i)
    return sorted(counts, key=lambda w: (-counts[w], first[w]))
