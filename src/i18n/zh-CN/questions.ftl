# Villagers' questions and reports on line items (质疑、举报).

questions-not-found = 没有您可以查看的质疑或举报 { $question }。
questions-entry-not-found = 您的权限范围内没有账目 { $entry }。
questions-per-day = 您今天已提交 { $limit } 条质疑或举报,已达每位村民每天的上限,请明天再提交。
questions-no-photo = 质疑 { $question } 没有附照片。
questions-not-answerer = { $role }不能答复质疑:质疑由所在乡镇(街道)财务站的会计答复。
questions-not-open = 质疑 { $question } 当前状态为 { $status },只有待答复(open)的质疑才能答复。
questions-not-asker = 只有提交人本人才能认可答复或转为举报。
questions-not-answered = 质疑 { $question } 当前状态为 { $status },只有已答复(answered)的质疑才能认可。
questions-report-not-escalable = { $question } 已是举报,已转巡察组(当前状态为 open),只有质疑才能转为举报。
questions-not-escalable = 质疑 { $question } 当前状态为 { $status },只有待答复或已答复的质疑才能转为举报。
questions-foreign-cursor = cursor 不是本列表的翻页标记:请原样传入上一页的 next_cursor。
questions-part-too-long = 表单项 { $part } 超过 { $limit } 字节。
questions-part-not-text = 表单项 { $part } 不是 UTF-8 文本。
questions-unexpected-part = 多余的表单项 { $part }:只能提交一个 kind、一个 text 和至多一张 photo。
questions-bad-kind = kind { $kind } 既不是 question(质疑)也不是 report(举报)。
questions-missing-part = 缺少表单项 { $part }。
questions-content-type = 请以 application/json 提交质疑;附照片时以 multipart/form-data 提交。
questions-cli-arg-per-day = 每位村民每个自然日(北京时间)最多可提交的质疑和举报条数
