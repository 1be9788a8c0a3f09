"""The web pages' labels: Chinese first, English with `?lang=en` or `POWERKB_LANG=en`.

The pages show the engine's data as it is (verbatim Chinese text, English summaries); only the
page furniture is translated here.
"""

from __future__ import annotations

import os

LABELS: dict[str, tuple[str, str]] = {
    "colon": ("：", ": "),
    "title": ("获得电力政策知识库", "Getting Electricity policy knowledge base"),
    "nav.query": ("查询", "Query"),
    "nav.calendar": ("期限日历", "Deadlines"),
    "nav.diff": ("文件对比", "Diff"),
    "nav.coverage": ("覆盖情况", "Coverage"),
    "nav.api": ("接口", "API"),
    "lang.other": ("English", "中文"),
    "query.label": ("查询语句", "Query"),
    "query.as_of": ("基准日期", "As of"),
    "query.submit": ("查询", "Ask"),
    "query.examples": ("示例", "Examples"),
    "query.help": ("查询语言说明见 docs/query-language.md", "The language is described in docs/query-language.md"),
    "query.error": ("查询有误", "The query has an error"),
    "query.rows": ("条结果", "rows"),
    "query.count": ("数量", "Count"),
    "query.none": ("没有符合条件的条目。", "No item matches."),
    "download.csv": ("下载 CSV", "Download CSV"),
    "download.xlsx": ("下载台账 xlsx", "Download xlsx"),
    "download.md": ("下载 Markdown", "Download Markdown"),
    "download.json": ("JSON", "JSON"),
    "col.id": ("编号", "id"),
    "col.due": ("期限", "due"),
    "col.units": ("责任单位", "units"),
    "col.text": ("内容", "text"),
    "col.summary": ("英文摘要", "summary"),
    "col.key": ("分组", "group"),
    "col.name": ("名称", "name"),
    "col.count": ("数量", "count"),
    "due.ongoing": ("持续推进", "ongoing"),
    "due.recurring": ("定期", "recurring"),
    "dl.subjects": ("承担", "binds"),
    "dl.recipients": ("报送对象（*为推断）", "reports to (* inferred)"),
    "dl.until": ("截止依据", "ends because"),
    "overdue": ("已逾期", "overdue"),
    "item.source": ("原文", "Source"),
    "item.quote": ("原文引文", "Quote"),
    "item.deadlines": ("期限", "Deadlines"),
    "item.units": ("单位与职责", "Units and roles"),
    "item.targets": ("指标", "Targets"),
    "item.up": ("上级（落实的）", "Up: what it carries out"),
    "item.down": ("下级（落实它的）", "Down: what carries it out"),
    "item.children": ("下属条目", "Children"),
    "item.parent": ("上级条目", "Parent"),
    "item.section": ("所在章节", "Section"),
    "item.category": ("分类", "Category"),
    "item.note": ("备注", "Note"),
    "item.absent": ("原文未载明", "Not stated in the source"),
    "role.lead": ("牵头", "lead"),
    "role.cooperate": ("配合", "cooperate"),
    "none": ("无", "none"),
    "diff.a": ("国家文件", "National document"),
    "diff.b": ("地方文件", "Provincial document"),
    "diff.where": ("条件（可选）", "Condition (optional)"),
    "diff.submit": ("对比", "Compare"),
    "diff.verdict": ("结论", "verdict"),
    "diff.all": ("全部", "all"),
    "diff.metric": ("指标", "metric"),
    "diff.class": ("类别", "class"),
    "diff.targets": ("指标对比", "Targets"),
    "diff.texts": ("条文对比", "Texts"),
    "diff.note": ("说明", "note"),
    "diff.added": ("新增", "added"),
    "diff.removed": ("删去", "removed"),
    "diff.changed": ("改动", "changed"),
    "cal.unit": ("单位", "Unit"),
    "cal.upcoming": ("只看基准日期之后", "Only on or after the as-of date"),
    "cal.filter": ("筛选", "Filter"),
    "cal.empty": ("没有带日期的期限。", "No dated deadline."),
    "cov.measure": ("国家条目", "national item"),
    "cov.via": ("经由", "via"),
    "cov.counterparts": ("地方对应条目", "counterparts"),
    "cov.through": ("间接对应", "through"),
    "cov.summary": ("摘要", "summary"),
    "cov.covered": ("有直接对应", "have a direct counterpart"),
    "cov.reason": ("无对应的原因", "reason for none"),
    "error.title": ("出错了", "Error"),
    "footer": ("只读服务；数据与命令行 powerkb 相同。", "Read-only; the same answers as the powerkb command line."),
}

VERDICTS = {
    "stricter": ("更严", "stricter"), "same": ("相同", "same"), "looser": ("更宽", "looser"),
    "earlier": ("更早", "earlier"), "later": ("更晚", "later"),
    "narrower-scope": ("范围更窄", "narrower scope"), "broader-scope": ("范围更宽", "broader scope"),
    "only-national": ("仅国家有", "national only"), "only-provincial": ("仅地方有", "provincial only"),
}


def pick(request_lang: str | None) -> str:
    """`zh` or `en`: the request's `lang` if it is one of them, else $POWERKB_LANG, else zh."""
    for value in (request_lang, os.environ.get("POWERKB_LANG")):
        if value in ("zh", "en"):
            return value
    return "zh"


def labels(lang: str) -> dict[str, str]:
    n = 1 if lang == "en" else 0
    return {k: v[n] for k, v in LABELS.items()}


def verdicts(lang: str) -> dict[str, str]:
    n = 1 if lang == "en" else 0
    return {k: v[n] for k, v in VERDICTS.items()}
