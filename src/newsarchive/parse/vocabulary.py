"""The words of a page's forms (data/forms.yaml), compiled once into patterns.

The line rules hold shapes; this module turns the word lists into the pieces
of those shapes (`ROLE`, `NAMES`, `CREDIT`, …), so that a paper's own wording
is added to the data file, never to a regular expression in code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: a gap inside a line: spaces, ideographic spaces, tabs
SPACE = r"[ \t\u3000\u00a0]"
#: one personal name: 2–4 Han characters, a two-character name padded to the width
#: of three (`邬 盛`), or a transcribed name with a middle dot (`阿依古丽·买买提`)
#: between two names of one byline
NAME_SEP = rf"(?:{SPACE}*[、,，;；]{SPACE}*|{SPACE}+)"
#: bullets that open a byline or a roundup item (`■记者 张三`, `□ 文/李四`, `●区领导调研…`)
BULLETS = "■□●○◆◇★☆◎△"
OPEN = "（(【〔"
CLOSE = "）)】〕"


#: traditional forms of the characters the rules look for (roles, markers, common
#: surnames), so `本報訊（記者 趙宗明）` reads as `本报讯（记者 赵宗明）`; one character
#: for one, so every match position holds in the original text
_SIMPLIFIED = str.maketrans(
    "報訊記員實習見攝圖責編輯審電網華轉續頁題導覽閱讀簡聞動態啟們來為這區縣鎮鄉會議號傳訪問強稱從專學獲發現場據東臺視趙陳劉張黃吳鄭謝馮鄧蕭葉蘇盧陸楊孫馬許韓錢嚴龍賀閻鍾譚鄒顧龔萬蔣溫齊喬魯湯羅藍聶鄺",
    "报讯记员实习见摄图责编辑审电网华转续页题导览阅读简闻动态启们来为这区县镇乡会议号传访问强称从专学获发现场据东台视赵陈刘张黄吴郑谢冯邓萧叶苏卢陆杨孙马许韩钱严龙贺阎钟谭邹顾龚万蒋温齐乔鲁汤罗蓝聂邝",
)


_TRADITIONAL = re.compile("[報訊記員實習見攝圖責編輯審電網華轉續頁題導覽閱讀簡聞動態啟們來為這區縣鎮鄉會議號傳訪問強稱從專學獲發現場據東臺視趙陳劉張黃吳鄭謝馮鄧蕭葉蘇盧陸楊孫馬許韓錢嚴龍賀閻鍾譚鄒顧龔萬蔣溫齊喬魯湯羅藍聶鄺]")


def simplified(text: str) -> str:
    """`text` with the traditional forms the rules know mapped, character for character
    (most pages have none: one regex scan decides, cheaper than translating every line)."""
    return text.translate(_SIMPLIFIED) if _TRADITIONAL.search(text) else text


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class Vocabulary:
    roles: tuple[str, ...]
    page_roles: tuple[str, ...]
    credit_verbs: tuple[str, ...]
    continued_to_words: tuple[str, ...]
    roundup_labels: frozenset[str]
    #: the roundup labels of two characters or more: `三秦短波` ends with one
    roundup_tails: tuple[str, ...]
    photo_labels: frozenset[str]
    note_labels: frozenset[str]
    notice_words: tuple[str, ...]
    link_labels: frozenset[str]
    letter_closings: frozenset[str]
    web_chrome: str
    affiliation_tail: str
    web_meta_key: str
    breadcrumb_start: str
    #: regex pieces (no anchors), built from the lists above
    name: str
    names: str
    plain_names: str
    role: str
    slash_role: str
    credit_verb: str
    byline_tail: str
    page_role: str
    lead: str
    continued_from: str
    continued_to: str

    @classmethod
    def from_data(cls, data: dict) -> "Vocabulary":
        agencies = _alternation(data["agencies"])
        lead_words = _alternation(data["lead_words"])
        lead = (
            # 本报讯 / 本刊讯 / 本报合肥18日电 / 新华社北京5月6日电 / 据新华社电 / 合川日报消息 / 萧山网讯
            rf"据?(?:本报|本刊|{agencies})[{HAN}]{{0,8}}?(?:\d{{1,2}}月)?(?:\d{{1,2}}日)?(?:{lead_words})"
            # `台湾网6月23日竹溪消息`, `东南网莆田8月5日讯`, `据黔东南政府网消息`
            rf"|据?[{HAN}A-Za-z]{{2,12}}?(?:日报|晚报|时报|报|网|新闻|融媒体?|客户端|电视台)[{HAN}]{{0,6}}?(?:\d{{1,2}}月)?(?:\d{{1,2}}日)?[{HAN}]{{0,6}}?(?:{lead_words})"
            rf"|[{HAN}]{{2,8}}消息(?=\s*[（(])"  # `信阳消息（黄 兴 孙明江）`: a place's news, credited
        )
        not_a_name = _alternation(w for w in (*data["roles"], *data["page_roles"]) if len(w) >= 2)
        # one personal name: 2–4 Han characters, a two-character name padded to the width
        # of three (`邬 盛`), a transcribed name with or without a middle dot (`才让卓玛`,
        # `阿布都热依木`, `阿依古丽·买买提`: names_ok decides which runs are names);
        # never a role word (`记者 张三 通讯员 李四` holds two names, not four)
        plain = rf"(?:[{HAN}]{SPACE}{{1,2}}[{HAN}](?![{HAN}])|[{HAN}]{{2,6}}(?:[·•][{HAN}]{{2,6}})?)"
        name = rf"(?!(?:{not_a_name})){plain}"
        return cls(
            name=name,
            names=rf"{name}(?:{NAME_SEP}{name})*",
            plain_names=rf"{plain}(?:{NAME_SEP}{plain})*",
            roles=tuple(data["roles"]),
            page_roles=tuple(data["page_roles"]),
            credit_verbs=tuple(data["credit_verbs"]),
            continued_to_words=tuple(data["continued_to_words"]),
            roundup_labels=frozenset(data["roundup_labels"]),
            roundup_tails=tuple(label for label in data["roundup_labels"] if len(label) >= 2),
            photo_labels=frozenset(data["photo_labels"]),
            note_labels=frozenset(data["note_labels"]),
            notice_words=tuple(data["notice_words"]),
            link_labels=frozenset(data["link_labels"]),
            letter_closings=frozenset(data["letter_closings"]),
            web_chrome=_alternation(data["web_chrome"]),
            affiliation_tail=_alternation(data["affiliation_tails"]),
            web_meta_key=_alternation(data["web_meta_keys"]),
            breadcrumb_start=_alternation(data["breadcrumb_starts"]),
            # `本报记者`, `本报全媒体记者`: the paper's own prefix, once, before any role
            role=rf"(?:本报|本刊)?(?:{_alternation(w.removeprefix('本报') for w in data['roles'])})",
            slash_role=_alternation(data["slash_roles"]),
            credit_verb=_alternation(data["credit_verbs"]),
            byline_tail=_alternation(data["byline_tails"]),
            page_role=_alternation(data["page_roles"]),
            lead=lead,
            continued_from=_alternation(data["continued_from_words"]),
            continued_to=_alternation(data["continued_to_words"]),
        )

    def strip_label(self, text: str) -> str:
        """`【简讯】`, `■图片新闻`, `简讯·` → the bare label."""
        return text.strip().strip(BULLETS + OPEN + CLOSE + "·•:： \u3000")

    def label_kind(self, text: str) -> str | None:
        """'roundup', 'photo' or 'note' for a column label line, else None."""
        bare = self.strip_label(text)
        if bare in self.roundup_labels or (
            len(bare) <= 8 and bare.endswith(self.roundup_tails)
        ):
            return "roundup"  # `三秦短波`, `乡镇快讯`: a paper names its own roundup
        if bare in self.photo_labels:
            return "photo"
        if bare in self.note_labels:
            return "note"
        return None


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The packaged vocabulary; immutable, so one per process is shared safely."""
    text = resources.files("newsarchive").joinpath("data/forms.yaml").read_text("utf-8")
    return Vocabulary.from_data(yaml.safe_load(text))
