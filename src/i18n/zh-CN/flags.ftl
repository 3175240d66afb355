# 疑点:每条疑点一句话说明,供巡察组核实(不是定性结论)。术语见 GLOSSARY.md。

flag-entry = { $date } { $amount } 元(凭证号 { $voucher })
flag-reused-entry = { $village } { $date } { $amount } 元
flag-duplicate-payment = 疑似重复支付:向{ $payee }两次支付 { $amount } 元,相隔 { $days } 天({ $first },凭证号 { $first_voucher };{ $second },凭证号 { $second_voucher })。
flag-split-payment = { $village }于{ $first }至{ $last }向{ $payee }支付 { $count } 笔,每笔均低于 { $limit } 元审批限额,合计 { $total } 元,疑似拆分支付规避审批。
flag-invoice-amount = 发票金额与支出不符:{ $entry }所附票据的发票二维码显示不含税金额 { $invoiced } 元,支出应在 { $invoiced } 元至 { $most } 元之间。
flag-invoice-date = 发票日期与支出不符:{ $entry }所附发票开具于{ $issued },{ $side ->
    [before] 早于
   *[after] 晚于
}支付 { $days } 天(超过 { $limit } 天)。
flag-invoice-reused = 同一发票重复报销:发票 { $invoice } 附在 { $count } 笔不同的支出上({ $entries }),一张发票只能报销一次。
flag-receipt-reused-same = 同一票据重复使用:同一扫描件(逐字节相同)附在 { $count } 笔不同的记录上:{ $entries }。
flag-receipt-reused-similar = 同一票据重复使用:几乎相同的图片(感知哈希 64 位中至多相差 { $distance } 位)附在 { $count } 笔不同的记录上:{ $entries }。
flag-late-posting = 入账不及时:{ $entry }于{ $posted_on }才入账,距发生已 { $days } 天(超过 { $limit } 天)。
flag-missing-receipt = 缺少原始票据:{ $entry }支付给{ $payee },入账 { $days } 天后仍无票据扫描件;{ $min } 元及以上的支出均须附原始票据。
flag-round-amount = 整数金额现金支付:以现金向{ $payee }支付{ $entry },为 { $unit } 元的整数倍。
flag-offday-hospitality = 节假日招待费:{ $entry }(“{ $description }”)的招待支出发生在{ $day },村办公室不办公。
flag-day-holiday = 法定节假日({ $holiday })
weekday-mon = 星期一
weekday-tue = 星期二
weekday-wed = 星期三
weekday-thu = 星期四
weekday-fri = 星期五
weekday-sat = 星期六
weekday-sun = 星期日
flag-voucher-gap-one = 凭证号断号:{ $village }{ $year } 年的凭证号 { $voucher } 缺失,位于 { $before } 与 { $after } 之间。
flag-voucher-gap = 凭证号断号:{ $village }{ $year } 年的凭证号 { $first } 至 { $last }(共 { $count } 个)缺失,位于 { $before } 与 { $after } 之间。
flag-tender-threshold = 应招标未招标:{ $village }在项目“{ $project }”上支出 { $total } 元({ $count } 笔,{ $first }至{ $last }),超过 { $threshold } 元招标限额,且没有一笔附招标编号。
flag-benford = { $scope }的 { $count } 笔支出金额的{ $test }分布不符合本福特定律(自然形成的金额通常符合)({ $band },平均绝对偏差 { $mad });偏多的有:{ $over }。
flag-benford-year = { $village }{ $year }年的 { $count } 笔支出金额的首位数字分布与该村其他年度的 { $others } 笔明显不同(卡方 { $chi },自由度 8,超过 { $critical }),成批编造的金额会如此;相对其他年度偏多的有:{ $over }。
flag-benford-first-digit = 首位数字
flag-benford-first-two-digits = 前两位数字
flag-benford-nonconformity = 不符合
flag-benford-marginal = 勉强符合
flag-benford-digit = { $digits }(占 { $observed }%,理论值 { $expected }%)
flag-benford-county = 全县
flag-missing-receipt-reposted = 缺少原始票据:{ $entry }支付给{ $payee },首次入账于{ $first_posted },已 { $days } 天仍无票据扫描件:该笔为冲销后重新入账;{ $min } 元及以上的支出均须附原始票据。
flag-missing-receipt-split = 缺少原始票据:{ $village }于{ $first }至{ $last }向{ $payee }支付 { $count } 笔均无票据扫描件,每笔低于 { $min } 元,合计 { $total } 元;{ $min } 元及以上的支出均须附原始票据。
flag-tender-untendered-part = 应招标未招标:{ $village }在项目“{ $project }”上有 { $total } 元支出没有招标编号({ $count } 笔,{ $first }至{ $last }),超过 { $threshold } 元招标限额;该项目有招标编号的 { $tendered } 笔支出({ $tendered_total } 元)不能涵盖这些支出。
flag-tender-works = 应招标未招标:{ $village }于{ $first }至{ $last }向{ $payee }支付工程款 { $total } 元均无招标编号({ $count } 笔,项目名称为 { $projects }),一年内超过 { $threshold } 元招标限额,虽然单个项目均未超过。
flag-tender-other-village = 借用招标:{ $village }以招标 { $reference } 支付 { $total } 元({ $count } 笔,自{ $first }起),该招标由{ $recorder }登记(中标方为{ $winner }),{ $village }没有该招标的记录。
flag-tender-unrecorded = 招标无记录:{ $village }登记了本村的招标(最早中标于{ $first_award }),但没有招标 { $reference } 的记录,却以其支付 { $total } 元({ $count } 笔,自{ $first }起)。
flag-tender-winner-mismatch = 收款方非中标方:{ $village }以招标 { $reference } 向{ $payee }支付 { $total } 元({ $count } 笔,自{ $first }起),而该招标的中标方为{ $winner }。
flag-tender-winner-unrecorded = 收款方非中标方:{ $village }以招标 { $reference } 向{ $payee }支付 { $total } 元({ $count } 笔,自{ $first }起);该招标没有登记,其首笔支付于{ $first_payment }付给{ $winner },视其为中标方。
flag-tender-span = 招标跨年使用:招标 { $reference }({ $village })的支付跨 { $years } 个会计年度({ $first }—{ $last } 年,{ $count } 笔,{ $total } 元);一项招标所涵盖的工程款应在 { $max } 个年度内支付。
flag-tender-overrun = 超出中标金额:{ $village }以招标 { $reference } 支付 { $total } 元({ $count } 笔),比{ $winner }的中标金额 { $amount } 元多 { $over } 元(最多允许超出 { $max }%)。
