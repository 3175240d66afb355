# 台账:数值校验、查询条件与记账规则。

value-not-division-code = “{ $value }”不是行政区划代码:应为 12 位数字,例如 331022001201。
value-not-period = “{ $value }”不是会计期间:应为“年-月”格式,例如 2024-03,年份在 { $first } 至 { $last } 之间。
value-date-out-of-range = { $date }不在台账保存的年份范围内({ $first }—{ $last } 年)。
value-empty = { $field } 不能为空。
value-too-long = { $field } 长 { $count } 个字符,最多允许 { $max } 个。
value-control-characters = { $field } 含有控制字符:“{ $value }”。
value-not-account-code = { $field } “{ $value }”不是会计科目代码:应为数字,例如 541。
value-amount-not-positive = amount_fen 必须为正数(收到 { $fen });更正应通过红字冲销,而不是记负数。
value-amount-too-large = amount_fen 最多为 { $max } 分(收到 { $fen })。
value-not-yuan = “{ $value }”不是以元为单位的金额,例如 950.00。

filter-foreign-cursor = cursor 不是本服务签发的翻页游标;请去掉 cursor 重新查询。
filter-from-after-to = 起始日期 from({ $from })晚于截止日期 to({ $to })。
filter-amount-out-of-range = { $name } 须在 ±{ $max } 分之内。
filter-min-above-max = min_fen({ $min })大于 max_fen({ $max })。
filter-not-account-prefix = account 须为会计科目代码或其前几位,例如 5 或 541。
filter-query-not-text = q 最多为 { $max } 个字符的文本。

ledger-village-not-found = 您的权限范围内没有村 { $village }。
ledger-township-not-found = 您的权限范围内没有乡镇 { $township }。
ledger-entry-not-found = 您的权限范围内没有记录“{ $entry }”。
ledger-receipt-not-found = 您的权限范围内没有票据“{ $receipt }”。
ledger-period-closed = 村 { $village } 的 { $period }已结账,不能再记账(已结账月份的更正须以红字冲销,记入第一个未结账月份)。
ledger-year-out-of-range = 年份须在 { $first } 至 { $last } 之间。
ledger-period-not-ended = { $period }尚未结束;月份结束后才能结账。
ledger-account-not-in-chart = 科目代码 { $account } 不在 { $year } 年的会计科目表({ $chart })中;请查阅 GET /api/v1/accounts?year={ $year }。
ledger-account-not-income = 科目代码 { $account } 在 { $year } 年的科目表中不是收入类科目,收入记录须使用收入类科目。
ledger-account-not-expense = 科目代码 { $account } 在 { $year } 年的科目表中不是支出或成本类科目,支出记录须使用支出或成本类科目。
ledger-not-settlement-account = 结算科目代码 { $account } 在 { $year } 年的科目表中不是结算科目:请使用 101 库存现金、102 银行存款或往来科目。
ledger-voucher-taken = 村 { $village } { $year } 年的凭证号 { $voucher } 已被记录 { $entry } 使用且内容不同;请使用新的凭证号,或冲销该记录。
ledger-reversal-voucher-taken = 冲销凭证号在村 { $village } 已被使用;请另填 voucher_no。
ledger-before-opening = 发生日期 { $occurred_on }早于该村建账日期 { $opening_date }。
ledger-reversal-of-reversal = 记录 { $entry } 本身是冲销记录,不能再冲销;请另记一笔新记录。
ledger-already-reversed = 记录 { $entry } 已被记录 { $reversal } 冲销;每笔记录至多冲销一次。
ledger-township-exists = 乡镇 { $township } 已存在。
ledger-village-exists = 村 { $village } 已存在。
ledger-no-such-township = 乡镇 { $township } 不存在。
ledger-opening-balance-out-of-range = { $field } 须在 0 至 { $max } 分之间。

# 透明日志(公开可验证的记账日志)

log-no-checkpoint = 尚未签发任何检查点。
log-fewer-leaves = 日志的叶子少于 { $size } 个。
log-entry-after-tree = 记录 { $entry } 是第 { $index } 个叶子,不在含 { $size } 个叶子的树中;请在下一个检查点签发后再查询。
log-no-consistency-proof = 本日志中没有从 { $from } 到 { $to } 的一致性证明。
log-leaf-outside-tree = 第 { $leaf } 个叶子不在含 { $size } 个叶子的树中。
log-round-recorders = 只有本轮巡察组成员和管理员可以登记检查点。
log-round-over = 巡察轮次 { $id } 自 { $starts_on }至 { $ends_on }止;其成员仍可查阅,但不能再登记检查点。
log-negative-size = size 不能为负数。
log-no-checkpoint-at = 没有在 { $size } 个叶子时签发的检查点;请查阅 GET /api/v1/log/checkpoint。

# 招标记录

ledger-tender-reference-blank = 招标编号须至少含一个字母或数字,例如 SMZB-2024-017。
ledger-tender-awarded-later = 中标日期 { $awarded_on }晚于今天({ $today });请在招标完成后再登记。
ledger-tender-taken = 村 { $village } 的招标 { $reference } 已登记(登记为 { $recorded }),且内容不同;每项招标只登记一次。
ledger-tender-page = { $name } 须在 { $min } 至 { $max } 之间。
