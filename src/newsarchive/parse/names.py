"""Chinese personal names in bylines and credits.

A byline is told apart from a short subheading mostly by its shape (2–4 Han
characters, several separated by spaces). Where the shape alone is not enough,
the first character must be a common surname: the ~200 most frequent surnames
cover well over 95% of the population.
"""
from __future__ import annotations

import re

from .vocabulary import CLOSE, HAN, OPEN, SPACE, simplified, vocabulary

SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
COMPOUND_SURNAMES = {
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "令狐", "澹台", "端木", "独孤", "南宫", "西门", "百里", "呼延", "申屠", "太史", "闻人", "轩辕",
}
#: words that look like names by shape but are common in headings and captions
NOT_NAMES = {
    "记者", "通讯员", "摄影", "编辑", "本报", "图片", "图文", "全区", "我区", "区委", "党委", "会议",
    "公告", "公示", "通知", "附件", "备注", "说明", "前言", "后记", "结语", "简讯", "动态", "要闻",
}
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_DOT = re.compile(r"[·•]")
_NAME_GAPS = re.compile(r"[\s\u3000、,，;；/／|｜]+")
_TRAINEE = re.compile(r"[（(](?:实习|实习生|见习)[）)]")
_BRACKETS = re.compile(rf"[{OPEN}{CLOSE}]")
_PADDED = re.compile(rf"(?<![{HAN}])([{HAN}]){SPACE}{{1,2}}([{HAN}])(?![{HAN}])")


def _role_words() -> re.Pattern:
    vocab = vocabulary()
    return re.compile(
        rf"(?:{vocab.slash_role})\s*[/／:：]|[/／]\s*(?:{vocab.slash_role})(?![{HAN}])|(?:{vocab.role})\s*[:：]?"
        rf"|(?:{vocab.credit_verb}|{vocab.byline_tail})$|^(?:{vocab.lead})"
    )


_ROLE_WORDS = _role_words()
_LEAD = re.compile(rf"^(?:{vocabulary().lead})")


def looks_like_name(word: str, strict: bool = True) -> bool:
    """True for a plausible personal name; `strict` also demands a known surname."""
    word = simplified(word)
    if "·" in word or "•" in word:  # 阿依古丽·买买提: a transcribed name
        parts = _DOT.split(word)
        return len(parts) == 2 and all(2 <= len(p) <= 6 and _HAN_RUN.fullmatch(p) for p in parts)
    if not 2 <= len(word) <= 4 or word in NOT_NAMES or not _HAN_RUN.fullmatch(word):
        return False
    has_surname = word[0] in SURNAMES or word[:2] in COMPOUND_SURNAMES
    if len(word) == 4:
        return word[:2] in COMPOUND_SURNAMES or (has_surname and not strict)
    return has_surname or not strict


#: characters of running text that no transcribed name (才让卓玛, 吉克阿呷) holds
_FUNCTION_CHARS = set("的了是在和与及对为把被将就也又很这那们个到从向以于而但说")


def transcribed_name(word: str) -> bool:
    """A name of a minority nationality written without a surname: 4–6 characters,
    no function words. Only trusted after a role (`作者:才让卓玛`, `记者 吉克阿呷`)."""
    return 4 <= len(word) <= 6 and _HAN_RUN.fullmatch(word) is not None and not _FUNCTION_CHARS & set(word) \
        and word not in NOT_NAMES


def split_names(text: str) -> list[str]:
    return [w for w in _NAME_GAPS.split(text) if w]


def authors_from_byline(byline: str) -> list[str]:
    """`·王峰艳 赵勇进 王子璇·`, `本报讯（全媒体记者 邬 盛 通讯员 王晓明）`,
    `张三/文 李四/图` → the names; roles, datelines, dots, 摄 and 整理 removed."""
    original = byline
    text = simplified(byline).strip().strip("·•・‧∙●■□◆◇★☆◎○△ ")
    text = _LEAD.sub(" ", text)
    text = _TRAINEE.sub(" ", text)  # `龚 玉（实习）`
    text = _BRACKETS.sub(" ", text)
    text = _PADDED.sub(r"\1\2", text)  # `邬 盛`: a two-character name set to the width of three
    names: list[str] = []
    for part in split_names(text):
        for _ in range(3):  # `本报记者张三摄`: a role before, a verb after
            stripped = _ROLE_WORDS.sub(" ", part).strip()
            if stripped == part:
                break
            part = stripped
        people = [w for w in split_names(part) if not _is_group(w)]
        for word in _split_glued(people):
            if (2 <= len(word) <= 6 and _HAN_RUN.fullmatch(word) and word not in NOT_NAMES) or (
                "·" in word and looks_like_name(word)
            ):
                at = simplified(original).find(word)
                word = original[at : at + len(word)] if at >= 0 else word  # keep 李鳳霞 as written
                if word not in names:
                    names.append(word)
    return names


_ORG_TAILS = ("报", "网", "社", "台", "中心", "站", "组", "部", "办", "局", "委", "所")


def _is_group(word: str) -> bool:
    """`德州晚报`, `南国都市报`, `本报两会(报道组)`: the paper or a group, not a person."""
    return len(word) >= 3 and word.endswith(_ORG_TAILS) or word.startswith(("本报", "本刊", "本网", "本台"))


def _split_glued(words: list[str]) -> list[str]:
    """`台艳秋张飞` (names set without a space): a 3-character name, then a 2-character one."""
    out = []
    for word in words:
        if 5 <= len(word) <= 6 and _HAN_RUN.fullmatch(word):
            cut = 3 if word[3] in SURNAMES else 2 if word[2] in SURNAMES else 0
            if cut and looks_like_name(word[:cut], strict=False) and looks_like_name(word[cut:]):
                out += [word[:cut], word[cut:]]
                continue
        out.append(word)
    return out
