"""Precision and recall of district and street tags on hand-annotated snippets.

    .venv/bin/python benchmarks/bench_places.py [-v]

The snippets are composed for this benchmark (made-up news sentences naming real
divisions; none copied from a paper), grouped into issues as a paper prints them:
some issues state a home (front matter `district:`), the rest leave it to be
inferred. Each article lists the districts and streets a careful reader would tag.
Also times the gazetteer's load (national file + yaml layer) in this process.
"""
from __future__ import annotations

import sys
import time

# (home or None, [(text, districts, streets)])
ISSUES = [
    (None, [("杭州市萧山区瓜沥镇举办秋季农产品展销会，吸引周边村民选购。", ["萧山区"], ["瓜沥镇"]),
            ("城厢街道组织志愿者清理河道，全区三百余人参加。", ["萧山区"], ["城厢街道"]),
            ("区委召开专题会议，部署我区冬季消防安全工作。", ["萧山区"], []),
            ("新塘街道一家企业获评省级专精特新企业。", ["萧山区"], ["新塘街道"])]),
    (None, [("合川区钱塘镇新建的蔬菜基地迎来首批采收。", ["合川区"], ["钱塘镇"]),
            ("我区钓鱼城街道开展老旧小区改造入户调查。", ["合川区"], ["钓鱼城街道"]),
            ("南津街街道举办社区运动会，居民踊跃参加。", ["合川区"], ["南津街街道"])]),
    (None, [("成都市双流区东升街道举行社区邻里节。", ["双流区"], ["东升街道"]),
            ("西航港街道为辖区企业送上用工服务。", ["双流区"], ["西航港街道"]),
            ("全区今年新增城镇就业岗位一万余个。", ["双流区"], [])]),
    (None, [("深圳市光明区凤凰街道启动垃圾分类宣传月。", ["光明区"], ["凤凰街道"]),
            ("公明街道举办夜间消费节，全区商户参与。", ["光明区"], ["公明街道"]),
            ("光明日报记者走进科学城采访。", [], [])]),
    (None, [("济南市历下区千佛山街道组织居民参观非遗展览。", ["历下区"], ["千佛山街道"]),
            ("泉城路街道开展消防演练。", ["历下区"], ["泉城路街道"])]),
    ("武山县", [("城关镇召开秋粮收购动员会，各村负责人参加。", ["武山县"], ["城关镇"]),
                ("洛门镇蔬菜种植面积今年扩大到两万亩。", ["武山县"], ["洛门镇"]),
                ("县委书记到滩歌镇调研全县城乡供水工作。", ["武山县"], ["滩歌镇"])]),
    (None, [("城关镇召开秋粮收购动员会。", [], []),  # 88 places: no context, no tag
            ("新华街道开展义诊活动。", [], []),
            ("城南街道举办消夏晚会。", [], [])]),
    (None, [("郑州市中原区林山寨街道开展文明创建活动。", ["中原区"], ["林山寨街道"]),
            ("建设路街道为困难群众送去慰问品。", ["中原区"], ["建设路街道"])]),
    (None, [("长沙市芙蓉区韭菜园街道新建一处口袋公园。", ["芙蓉区"], ["韭菜园街道"]),
            ("文艺路街道组织青少年暑期读书会。", ["芙蓉区"], ["文艺路街道"])]),
    (None, [("武汉市江岸区大智街道开展防汛演练。", ["江岸区"], ["大智街道"]),
            ("车站街道举办老年书画展。", ["江岸区"], ["车站街道"])]),
    (None, [("北京市通州区梨园镇开展健康讲座进社区活动。", ["通州区"], ["梨园镇"]),
            ("福州市鼓楼区东街街道举办书画展。", ["鼓楼区"], ["东街街道"]),
            ("鼓楼区举办书画展。", [], [])]),
    (None, [("推进新型城镇化建设，长寿老人讲述家风故事。", [], []),
            ("江山如此多娇，引无数英雄竞折腰。", [], [])]),
]


def main() -> int:
    verbose = "-v" in sys.argv
    t0 = time.perf_counter()
    from newsarchive.tagging import CHINA_FILE, PACKAGE_DATA
    from newsarchive.tagging.china import China
    from newsarchive.tagging.gazetteer import Gazetteer

    t1 = time.perf_counter()
    Gazetteer.load([PACKAGE_DATA / "gazetteer.yaml"]).attach(China.load(CHINA_FILE))
    t2 = time.perf_counter()
    from newsarchive.model import Article, Block, Issue
    from newsarchive.tagging import Tagger

    tagger = Tagger.load()
    counts = {k: [0, 0, 0] for k in ("districts", "streets")}  # true positives, tagged, expected
    for n, (home, items) in enumerate(ISSUES):
        arts = [Article(id=str(i), title=None, blocks=[Block("paragraph", t, (1, 1))]) for i, (t, _, _) in enumerate(items)]
        issue = Issue(source=f"{n}.txt", date="2023-05-10", district=home, articles=arts)
        tagger.tag_issues([issue])
        for a, (text, districts, streets) in zip(arts, items):
            for field, want in (("districts", districts), ("streets", streets)):
                got = getattr(a, field)
                c = counts[field]
                c[0] += len(set(got) & set(want))
                c[1] += len(got)
                c[2] += len(want)
                if verbose and set(got) != set(want):
                    print(f"  {field}: {text} → {got}, expected {want}")
    articles = sum(len(items) for _, items in ISSUES)
    print(f"{articles} annotated articles in {len(ISSUES)} issues")
    for field, (tp, tagged, expected) in counts.items():
        p = tp / tagged if tagged else 1.0
        r = tp / expected if expected else 1.0
        print(f"{field}: precision {p:.3f} ({tp}/{tagged}), recall {r:.3f} ({tp}/{expected})")
    print(f"gazetteer load (yaml layer + national file, cold, this process): {t2 - t1:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
