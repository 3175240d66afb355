# 核对:巡察发现与台账比对、发现清单表格的读取。

tolerance-out-of-range = { $name } 须在 { $min } 至 { $max } 之间,不能为 { $value }。
tolerance-percent = amount_tolerance_percent 须在 0 至 100 之间,不能为 { $value }。
tolerance-similarity = name_similarity 须在 0 至 1 之间,不能为 { $value }。
tolerance-search-narrower = date_search_days 不能小于 date_window_days。
finding-amount-out-of-range = amount_fen 须为正的分值,最大 10,000,000,000,000,不能为 { $amount_fen }。

crosscheck-checkers-only = 核对仅供巡察组、乡镇财务站和管理员使用。
crosscheck-both-scopes = 请指定一个村或一个乡镇,不能同时指定。
crosscheck-no-scope = 请指定核对范围:一个村或一个乡镇。
crosscheck-round-and-place = 请指定一轮巡察,或一个村、一个乡镇,不能同时指定。
crosscheck-round-closed = 巡察轮次 { $id } 已结束,巡察组不再查阅其所涉村的账目。
crosscheck-unknown-rule = rules:未知的规则“{ $rule }”;可用的规则有 { $known }。
crosscheck-too-many-findings = 一次请求含 { $count } 条发现,最多 { $max } 条。
crosscheck-invalid-finding = findings[{ $index }](编号“{ $reference }”):{ $reason }
crosscheck-unknown-sheet-format = 发现清单文件既不是 UTF-8 编码的 CSV,也不是 XLSX 工作簿。
crosscheck-sheet-unreadable = 无法读取发现清单:{ $reason }

reconcile-content-type = 请以 application/json 发送发现,或以 multipart/form-data 上传 CSV/XLSX 表格。
reconcile-code-too-long = “{ $name }”须为 12 位行政区划代码,而不是 { $bytes } 个字节。
reconcile-scope-twice = 请求体指定的范围与查询参数不同;请只指定一次。
reconcile-one-file-part = 只能发送一个名为 file 的部分。
reconcile-scope-before-file = 请在 file 部分之前(查询参数或表单字段中)指定村或乡镇。
reconcile-part-too-large = 部分“{ $part }”超过 { $limit } 字节。
reconcile-field-not-utf8 = 表单字段“{ $field }”不是 UTF-8 文本。
reconcile-findings-too-large = 发现数据超过 { $limit } 字节。
reconcile-no-file-part = 请以名为 file 的部分上传发现清单。
reconcile-field-value = 表单字段“{ $field }”:“{ $value }”不是{ $expected }。
reconcile-unexpected-field = 多余的表单字段“{ $field }”:请只发送 file 和 JSON 请求中的选项。
expect-date = 日期(例如 2024-05-14)
expect-days = 天数
expect-fen = 以分为单位的金额
expect-percent = 百分比
expect-fraction = 0 至 1 之间的数
expect-split-parts = 2 至 5 之间的数
expect-bool = true 或 false

sheet-csv-not-utf8 = CSV 文件不是 UTF-8 文本(可能是 GBK,中文 Windows 上的 Excel 保存普通“CSV”时即为此编码);请另存为“CSV UTF-8”后重新上传。
sheet-not-xlsx = 该文件不是可读取的 XLSX 工作簿({ $detail });旧版 .xls 文件须先另存为 .xlsx。
sheet-empty-workbook = 工作簿中没有工作表。
sheet-no-header-row = 表格为空:应有一行表头,其下每行一条发现。
sheet-missing-column = 表头中没有{ $column }列;可接受的表头有:{ $accepted }
sheet-column-date = 日期
sheet-column-amount = 金额
sheet-too-many-rows = 表格的数据超过 { $max } 行;请拆分为较小的文件。
sheet-too-many-parts = 工作簿包含超过 { $max } 个部件(工作表、图片等);请将发现清单复制到新工作簿后上传。
sheet-too-many-strings = 工作簿包含超过 { $max } 个不同的文本;请将发现清单复制到新工作簿,或拆分为较小的文件。
sheet-too-much-text = 表格中的文本超过 { $mib } MiB;请拆分为较小的文件。
sheet-too-large = 工作簿解压后超过 { $mib } MiB;请删除其他工作表和图片。

cell-date-hint = 应为日期,例如 2024-05-14、2024/5/14、2024.5.14、20240514 或 2024年5月14日
cell-error-value = 单元格中是表格错误值 { $shown };应为文本。
cell-text-too-long = 文本超过 { $max } 个字符;请缩短。
cell-date-missing = 缺少日期;{ $hint }。
cell-date-invalid = “{ $shown }”不是有效日期;{ $hint }。
cell-not-a-date = “{ $shown }”不是日期;{ $hint }。
cell-serial-out-of-range = 日期序列号 { $serial } 超出表格能表示的日期范围。
cell-excel-1900-leap = 1900年2月29日并不存在(表格软件的历史遗留问题)。
cell-amount-missing = 缺少金额;应为正数金额,例如 950.50。
cell-amount-is-date = 金额单元格被设置为日期格式;请改为数值格式。
cell-not-an-amount = “{ $shown }”不是金额;应为数字,例如 1234.56、¥1,234.56 或 950元。
cell-amount-negative = “{ $shown }”是负数;发现应为大于零的支付。
cell-amount-not-positive = “{ $shown }”不是正数金额;发现应为大于零的支付。
cell-amount-fraction-of-fen = “{ $shown }”含有不足一分的部分;应为整数分。
cell-amount-too-many-decimals = “{ $shown }”超过两位小数;以元为单位的金额最多精确到分(0.01)。
cell-amount-too-large = “{ $shown }”数额过大,不是有效金额。

reconcile-differs-amount = 金额不符:巡察发现为 { $finding } 元,台账为 { $ledger } 元,相差 { $difference } 元。
reconcile-differs-date = 日期不符:巡察发现为{ $finding },台账为{ $ledger },相差 { $days } 天。
reconcile-differs-counterparty = 收款方不符:巡察发现为“{ $finding }”,台账为“{ $ledger }”。
