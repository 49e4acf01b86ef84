"""A non-Nantong archive built end to end: place tags, their pages with the 省 › 市 › 区 › 街道
chain, the place index and the search facets, for papers in seven provinces.

The issue files are composed for this test (short made-up news sentences naming real
divisions of the NBS 2023 table); none is copied from a newspaper. Page content only.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from newsarchive.cli import main; main()"]

# file name: (publication, date, front-matter district, [headline, paragraph, …])
ISSUES = {
    "2023-03-01-xiaoshan.txt": ("萧山日报", "2023-03-01", None, [
        "瓜沥镇农产品展销会开幕", "杭州市萧山区瓜沥镇举办春季农产品展销会，周边村民纷纷前来选购。"]),
    "2023-03-02-hechuan.txt": ("合川日报", "2023-03-02", None, [
        "钱塘镇蔬菜基地首批采收", "重庆市合川区钱塘镇新建的蔬菜基地迎来首批采收，菜农喜笑颜开。"]),
    "2023-03-03-shuangliu.txt": ("双流报", "2023-03-03", None, [
        "东升街道办邻里节", "成都市双流区东升街道举行社区邻里节活动，居民自编节目登台演出。"]),
    "2023-03-04-guangming.txt": ("光明新闻", "2023-03-04", None, [
        "凤凰街道垃圾分类宣传月", "深圳市光明区凤凰街道启动垃圾分类宣传月，志愿者走进小区讲解分类知识。"]),
    "2023-03-05-tongzhou-bj.txt": ("副中心报", "2023-03-05", None, [
        "梨园镇健康讲座进社区", "北京市通州区梨园镇开展健康讲座，社区医生为老人讲解慢病防治。"]),
    "2023-03-06-gulou-fz.txt": ("福州晚报", "2023-03-06", None, [
        "东街街道举办书画展", "福州市鼓楼区东街街道举办迎春书画展，展出居民作品八十余幅。"]),
    "2023-03-07-wushan.txt": ("武山报", "2023-03-07", "武山县", [
        "城关镇秋粮收购动员会", "城关镇召开秋粮收购动员会，各村负责人参加，全县粮食收购工作全面展开。"]),
}

# district page: its chain; street page: its chain (the district linked)
DISTRICTS = {
    "萧山区": "浙江省 › 杭州市 › 萧山区",
    "合川区": "重庆市 › 合川区",
    "双流区": "四川省 › 成都市 › 双流区",
    "光明区": "广东省 › 深圳市 › 光明区",
    "通州区": "北京市 › 通州区",
    "鼓楼区": "福建省 › 福州市 › 鼓楼区",
    "武山县": "甘肃省 › 天水市 › 武山县",
}
STREETS = {
    "瓜沥镇": ("萧山区", "浙江省 › 杭州市 › 萧山区 › 瓜沥镇"),
    "钱塘镇": ("合川区", "重庆市 › 合川区 › 钱塘镇"),
    "东升街道": ("双流区", "四川省 › 成都市 › 双流区 › 东升街道"),
    "凤凰街道": ("光明区", "广东省 › 深圳市 › 光明区 › 凤凰街道"),
    "梨园镇": ("通州区", "北京市 › 通州区 › 梨园镇"),
    "东街街道": ("鼓楼区", "福建省 › 福州市 › 鼓楼区 › 东街街道"),
    "城关镇": ("武山县", "甘肃省 › 天水市 › 武山县 › 城关镇"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("provinces")
    (root / "articles").mkdir()
    for name, (publication, date, district, lines) in ISSUES.items():
        head = f"---\npublication: {publication}\ndate: {date}\n" + (f"district: {district}\n" if district else "") + "---\n\n"
        (root / "articles" / name).write_text(head + "\n\n".join(lines) + "\n", encoding="utf-8")
    out = root / "_site"
    proc = subprocess.run(CLI + ["build", "--src", str(root / "articles"), "--out", str(out), "--no-cache", "-q"],
                          capture_output=True, text=True, cwd=root)
    assert proc.returncode == 0, proc.stderr
    return out


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def _pages(site: Path, kind: str) -> dict[str, str]:
    """name → page HTML of every term page of `kind`."""
    out = {}
    for page in (site / kind).glob("*.html"):
        if page.name == "index.html":
            continue
        html = page.read_text(encoding="utf-8")
        name = _text(re.search(r"<h1>(.*?)</h1>", html, re.S).group(1))
        out[name.removeprefix("地区" if kind == "district" else "街道")] = html
    return out


def _chains(html: str) -> list[str]:
    return [_text(c) for c in re.findall(r'<p class="place-chain">(.*?)</p>', html, re.S)]


def test_every_district_has_a_page_with_its_chain(site):
    pages = _pages(site, "district")
    assert set(pages) == set(DISTRICTS)  # plain names: no 北京市通州区, no 福州市鼓楼区
    for name, chain in DISTRICTS.items():
        assert _chains(pages[name]) == [chain], name


def test_every_street_has_a_page_with_its_chain_linking_its_district(site):
    pages = _pages(site, "street")
    districts = _pages(site, "district")
    assert set(pages) == set(STREETS)
    for name, (district, chain) in STREETS.items():
        html = pages[name]
        assert _chains(html) == [chain], name
        link = re.search(r'<p class="place-chain">.*?<a href="([^"]+)">' + district + "</a>", html, re.S)
        assert link, name
        target = (site / "street" / link.group(1)).resolve()
        assert target.is_file() and target.read_text(encoding="utf-8") == districts[district], name


def test_place_index_and_search_facets_list_plain_names(site):
    index = _text((site / "district" / "index.html").read_text(encoding="utf-8"))
    for name in DISTRICTS:
        assert name in index
    streets = _text((site / "street" / "index.html").read_text(encoding="utf-8"))
    for name in STREETS:
        assert name in streets
    manifest = (site / "search" / "manifest.js").read_text(encoding="utf-8")
    facets = json.loads(manifest[manifest.index("(") + 1 : manifest.rindex(")")])["facets"]
    assert {n for n, _ in facets["district"]} == set(DISTRICTS)
    assert {n for n, _ in facets["street"]} == set(STREETS)
