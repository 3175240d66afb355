# Import and export of the books (账簿导入与导出).

import-header-duplicate = 表头“{ $header }”与前面的列指向同一字段。
import-expected-one-column = 字段 { $field } 只能有一列。
import-header-unknown = 无法识别的表头“{ $header }”。
import-expected-headers = 可用的表头(中文或英文):{ $headers };也可用 columns 参数指定(如 amount=发生额)。
import-column-missing = 缺少“{ $header }”({ $field })列。
import-expected-column = 一列表头为“{ $header }”或“{ $field }”的数据。
import-cell-empty = 此格为空,但该项必填。
import-not-a-number = “{ $shown }”不是正整数。
import-debit-credit = 借方金额和贷方金额须填且只填一个。
import-direction-invalid = 方向“{ $shown }”无法识别。
import-posted-at-invalid = 记账时间“{ $shown }”无法识别。
import-expected-field = { $field ->
    [voucher_no] 凭证号,不超过 32 个字符
    [voucher_line] 行号,正整数,默认为 1
    [occurred_on] 日期,如 2024-03-08、2024/3/8、2024年3月8日 或表格日期
    [posted_at] 记账时间,如 2024-03-09 10:15:00 或日期
    [direction] 收入/支出(或 income/expense)
    [debit] 借方金额(收入),如 1,234.50
    [credit] 贷方金额(支出),如 1,234.50
    [account_code] 本年度科目表中的科目代码,如 514
    [settlement_account_code] 结算科目代码,如 101 现金或 102 银行存款
    [amount] 金额(元),最多两位小数,如 1,234.50;红字冲销为负数,如 (1,234.50)
    [counterparty] 对方单位,不超过 100 个字符
    [description] 摘要,不超过 500 个字符
    [village_code] 12 位村代码
    [reverses_voucher_no] 被冲销记录的凭证号
    [reverses_voucher_line] 被冲销记录的行号
    [reverses_fiscal_year] 被冲销记录的年度
    [reversal_reason] 冲销原因
   *[other] 不超过 100 个字符的文字
}
import-voucher-duplicate = 凭证 { $voucher } 第 { $line } 行在文件中重复(第一次出现在第 { $first } 行)。
import-expected-unique-line = 同一年度内每个凭证号与行号只出现一次。
import-village-other = 此行属于村 { $village },不是导入的村 { $target }。
import-expected-village = 村代码为空或为 { $target }。
import-voucher-conflict = { $year } 年度凭证 { $voucher } 第 { $line } 行已入账,但内容不同。
import-expected-same-content = 与已入账记录内容相同(重复导入不增加记录),或使用新的凭证号。
import-expected-reversal = 被冲销记录已入账或在本文件中,尚未被冲销,科目、方向相同,金额相反。
import-amount-negative = 金额为负数,但此行不是红字冲销(未填冲销凭证号)。
import-reversal-not-negative = 红字冲销的金额须为负数。
import-before-opening = 日期 { $date } 早于本村建账日期 { $opening }。
import-expected-after-opening = 不早于 { $opening } 的日期。
import-period-closed = { $period } 已月结,不能再入账。
import-expected-open-month = 未月结月份的日期。
import-account-not-in-chart = 科目 { $account } 不在 { $year } 年度的科目表中。
import-expected-account = { $chart } 科目表中的科目代码。
import-account-refuses-direction = 科目 { $account } 不能记 { $direction ->
    [income] 收入
   *[expense] 支出
}。
import-expected-account-for = { $direction ->
    [income] 收入类科目
   *[expense] 支出或成本类科目
}。
import-not-a-settlement-account = 科目 { $account } 在 { $year } 年度不是结算科目。
import-expected-settlement = 结算科目,如 101 现金、102 银行存款或往来科目。
import-reversal-original-missing = 找不到被冲销的 { $year } 年度凭证 { $voucher } 第 { $line } 行。
import-reversal-already-reversed = 被冲销的记录已经冲销过。
import-reversal-of-reversal = 不能冲销一笔红字冲销记录。
import-reversal-mismatch = 红字冲销须与原记录科目、方向相同,金额相反。
import-expected-format = CSV(UTF-8 或 GB18030 编码)或 XLSX 文件,首行为表头,每行一笔记录。
import-file-format-unknown = 文件不是 CSV 或 XLSX。
import-encoding-unknown = 文件编码无法识别:既不是 UTF-8,也不是 GB18030。
import-columns-invalid = 列映射“{ $pair }”有误:应为“字段=表头”,字段为文档所列之一。
import-refused = 文件未导入:{ $count } 处问题,见 problems。
export-from-after-to = 起始日期 { $from } 晚于截止日期 { $to }。
import-one-file-part = 请只发送一个名为 file 的部分。
import-no-file-part = 请将账簿文件作为名为 file 的部分发送。
cli-about-import = 从 CSV 或 XLSX 文件导入一个村的账簿(与 API 导入相同)。
cli-about-export = 导出账簿:CSV、XLSX 或 hledger 日记账。
cli-arg-file = 账簿文件:CSV(UTF-8 或 GB18030)或 XLSX。
cli-arg-dry-run = 只检查每一行并打印报告,不写入。
cli-arg-columns = 自定义表头,格式为“字段=表头”,以逗号分隔。
cli-arg-clerk = 记账人用户名。
cli-arg-format = 导出格式:csv、xlsx 或 journal。
cli-arg-since = 最早业务日期(含)。
cli-arg-until = 最晚业务日期(含)。
cli-arg-out = 写入的文件(默认标准输出)。
cli-ctx-write-file = 无法写入文件 { $file }
cli-ctx-import = 导入失败
cli-ctx-export = 导出失败
import-row-unreadable = 此行无法读取。
