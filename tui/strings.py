"""Every word the terminal app shows, in Chinese (the default) and English.

One table, so that the merge with the shared lookup (`kb.render.i18n.label(key, lang)`, branch
`chinese`) only has to point `text()` at it. The language is `POWERKB_LANG` (`zh` or `en`), the
same switch the CLI reads; `--lang` on the command line sets it before the app starts.
"""

from __future__ import annotations

import os

STRINGS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "quit": ("退出", "Quit"),
    "quit.tip": ("退出 powerkb", "Leave powerkb"),
    "query": ("查询", "Query"),
    "query.tip": ("输入查询（任何界面）", "Type a query (from any screen)"),
    "browse": ("浏览", "Browse"),
    "browse.tip": ("文件、结果与条目", "The documents, results and items"),
    "deadlines": ("期限", "Deadlines"),
    "deadlines.tip": ("按月查看到期事项", "What falls due, month by month"),
    "diff": ("对比", "Diff"),
    "diff.tip": ("对比两份文件", "Compare two documents"),
    "export": ("导出", "Export"),
    "export.tip": ("把所示结果写入 JSON、CSV 或 Markdown 文件", "Write the results shown to a JSON, CSV or Markdown file"),
    "theme": ("主题", "Theme"),
    "theme.tip": ("切换浅色与深色主题", "Switch between the light and the dark theme"),
    "help": ("帮助", "Help"),
    "help.tip": ("按键与查询语言", "Keys and the query language"),
    "back": ("后退", "Back"),
    "back.tip": ("回到之前的条目或界面", "Go back to the item or screen shown before"),
    "forward": ("前进", "Forward"),
    "forward.tip": ("再次前往后退前的条目", "Go forward again after Back"),
    "results": ("结果", "Results"),
    "results.tip": ("离开查询栏，回到结果", "Leave the query bar for the results"),
    "copy": ("复制", "Copy"),
    "copy.tip": ("把条目编号（或所选条款）复制到剪贴板", "Copy the item id (or the clause shown) to the clipboard"),
    "sidebar": ("侧栏", "Sidebar"),
    "sidebar.tip": ("显示或隐藏文件树", "Show or hide the document tree"),
    "maximize": ("最大化", "Maximize"),
    "maximize.tip": ("放大当前窗格（Esc 还原）", "Maximize the focused pane (Esc restores it)"),
    "items-toggle": ("义务/条目", "Duties/items"),
    "items-toggle.tip": ("在按义务与按条目列出结果之间切换", "List results one row per duty or one row per item"),
    "earlier": ("提前", "Earlier"),
    "earlier.tip": ("范围提前一个季度", "Move the range a quarter earlier"),
    "later": ("推后", "Later"),
    "later.tip": ("范围推后一个季度", "Move the range a quarter later"),
    "unit": ("单位", "Unit"),
    "unit.tip": ("按责任单位筛选", "Filter by a responsible unit"),
    "as-of": ("基准日", "As of"),
    "as-of.tip": ("修改判断逾期的日期", "Change the date overdue is measured against"),
    "swap": ("互换", "Swap sides"),
    "swap.tip": ("把两份文件对调比较", "Compare the second document against the first"),
    "verdict": ("结论", "Verdict"),
    "verdict.tip": ("按结论筛选目标对", "Show only the target pairs with one verdict"),
    "close": ("关闭", "Close"),
    "cancel": ("取消", "Cancel"),
    "palette": ("命令面板", "Palette"),
    "palette.tip": ("全部操作、任意两份文件的对比、按编号打开条目", "Every action, a diff of any two documents, open an item by id"),
    # titles and hints
    "documents": ("文件", "Documents"),
    "item": ("条目", "Item"),
    "linked": ("关联条目", "Linked items"),
    "rows": ("{n} 行", "{n} row(s)"),
    "groups-by": ("按{by}分 {n} 组", "{n} groups by {by}"),
    "count": ("计数", "count"),
    "as-of-sub": ("基准日 {day}", "as of {day}"),
    "subtitle": ("{n} 个条目 · 基准日 {day}", "{n} items · as of {day}"),
    "placeholder": ("查询，例如  due <= 2021-12 and unit = 市能源局  ·  text ~ 电价  ·  F1 帮助",
                    "query, e.g.  due <= 2021-12 and unit = 市能源局  ·  text ~ 电价  ·  F1 for help"),
    "hint": ("按 / 输入查询，或在左侧文件树中选择条目。", "Press / to type a query, or choose an item in the tree."),
    "choose": ("在文件树或结果中选择一个条目，在此查看。", "Choose an item in the tree or the results to see it here."),
    "no-matches": ("没有符合的条目：{query}", "No items match: {query}"),
    "nothing-export": ("还没有可导出的内容：请先查询。", "Nothing to export yet: run a query first."),
    "exported": ("已把{what}写入 {path}", "Wrote {what} to {path}"),
    "exported.title": ("已导出", "Exported"),
    "copied": ("已复制：{text}", "Copied: {text}"),
    "drill": ("回车：只看这一组", "Enter: only this group"),
    "obligations": ("按义务", "duties"),
    "items": ("按条目", "items"),
    "no-items-param": ("此版本只能按条目列出", "This version lists items only"),
    # the item in detail
    "sec.national": ("国家文件栏", "National column"),
    "sec.standard": ("完成标准", "Completion standard"),
    "sec.summary": ("摘要", "Summary"),
    "sec.units": ("单位", "Units"),
    "sec.targets": ("目标", "Targets"),
    "sec.deadlines": ("期限", "Deadlines"),
    "sec.source": ("出处", "Source"),
    "sec.note": ("备注", "Note"),
    "none-stated": ("未写明", "none stated"),
    "in-all": (" …（共 {n} 次）", " … ({n} in all)"),
    "page": ("，第 {pages} 页", ", page {pages}"),
    "absent": ("缺 {key}：{reason}", "absent {key}: {reason}"),
    "rel.parent": ("上级", "parent"),
    "rel.year-action": ("年度任务", "year action"),
    "rel.part": ("组成部分", "part"),
    "rel.implements": ("落实", "implements"),
    "rel.implemented-by": ("被落实于", "implemented by"),
    "rel.measures": ("衡量", "measures"),
    "rel.measured-by": ("由其衡量", "measured by"),
    "rel.same-as": ("等同", "same as"),
    # deadlines
    "from": ("从", "from"),
    "to": ("到", "to"),
    "any-unit": ("任意单位", "any unit"),
    "due-title": ("{start} … {end} 到期：{n} 次", "Due {start} … {end}: {n} occurrences"),
    "overdue-sub": ("截至 {day} 逾期 {n} 次", "{n} overdue as of {day}"),
    "not-a-date": ("'{text}' 不是日期", "'{text}' is not a date"),
    "a-day": ("日期：YYYY-MM-DD", "a day: YYYY-MM-DD"),
    "month": ("月份", "month"),
    # diff
    "vs": ("对", "vs"),
    "pick-two": ("请选择两份不同的文件。", "Pick two different documents."),
    "all-verdicts": ("全部结论", "all verdicts"),
    "no-texts": ("没有成对的条文：{a} 与 {b} 之间没有同一条目的实施关系（links.yaml）。",
                 "No paired texts: no item is implemented by both {a} and {b} (links.yaml)."),
    "where": ("条件", "where"),
    "target-pairs": ("{n} 对目标", "{n} target pairs"),
    "paired-texts": ("{n} 对条文", "{n} paired texts"),
    "metric": ("指标", "metric"),
    "scope": ("范围", "class"),
    "anchor": ("锚点", "anchor"),
    "changes": ("改动", "changes"),
    "items-col": ("条目", "items"),
    # results columns
    "id": ("编号", "id"),
    "due": ("期限", "due"),
    "units": ("单位", "units"),
    "text": ("原文", "text"),
    # export dialog
    "export-title": ("导出{what}", "Export {what}"),
    "file": ("文件", "file"),
    "overwrite": ("{path} 已存在。再按一次“导出”覆盖。", "{path} exists. Press Export again to overwrite it."),
    "could-not-write": ("无法写入：{error}", "could not write: {error}"),
    # help
    "help-title": ("帮助 · Esc 关闭", "Help · Esc to close"),
    "keys": ("按键", "Keys"),
    "key": ("按键", "key"),
    "action": ("操作", "action"),
    "what": ("作用", "what it does"),
    "where-col": ("位置", "where"),
    "everywhere": ("任何界面", "everywhere"),
    "main": ("浏览界面", "main"),
    "query-bar": ("查询栏", "query bar"),
    "tree": ("文件树", "tree"),
    "lists": ("表格与列表", "tables and lists"),
    "dialog": ("对话框", "dialogs"),
}


def lang() -> str:
    """`zh` unless POWERKB_LANG says `en` (read each time, so a test or `--lang` can switch it)."""
    return "en" if os.environ.get("POWERKB_LANG", "zh").lower().startswith("en") else "zh"


def text(key: str, **values) -> str:
    """The words for `key` in the current language, with `values` filled in."""
    zh, en = STRINGS[key]
    words = en if lang() == "en" else zh
    return words.format(**values) if values else words
