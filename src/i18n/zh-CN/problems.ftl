# 问题文档(RFC 9457)的标题与通用说明。术语见 GLOSSARY.md。

problem-bad-request = 请求无法读取
problem-invalid = 请求中的数值不符合要求
problem-unauthorized = 需要登录认证
problem-forbidden = 您的角色无权进行此操作
problem-not-found = 未找到
problem-voucher-conflict = 凭证号已被使用
problem-period-closed = 该月份已结账
problem-already-reversed = 该笔记录不能冲销
problem-conflict = 请求与当前状态冲突
problem-method-not-allowed = 此处不允许该请求方法
problem-payload-too-large = 请求体过大
problem-unsupported-file = 该文件不是可接受的图片
problem-unsupported-media-type = 不接受该内容类型
problem-account-locked = 登录失败次数过多
problem-rate-limited = 已达每日上限
problem-unavailable = 服务繁忙
problem-internal = 服务器内部错误

problem-internal-detail = 服务器处理失败,本次请求未生效。
problem-not-found-detail = 未找到该对象。
problem-exists = 该对象已存在。
problem-database-busy = 数据库繁忙,请重试本次请求。
problem-no-connection = 暂无可用的数据库连接,请稍后重试。
problem-budget-deadline = 处理时间超过本次请求的时限,请稍后重试或缩小查询范围。
problem-budget-cancelled = 处理完成前请求已被放弃。
problem-gate-full = 已有 { $limit } 个{ $work }请求正在运行,请稍后重试。
problem-gate-reconciliation = 核对
problem-gate-flags = 疑点筛查
problem-gate-rendition = 原尺寸图片生成
problem-gate-upload = 票据上传
problem-request-timeout = 请求处理超过 { $seconds } 秒,请稍后重试。

# 请求格式
problem-query-rejected = 查询参数不符合要求:{ $reason }
problem-path-rejected = 没有该资源:{ $reason }
problem-method-on-path = { $path } 不允许使用 { $method } 方法,请使用 { $allow }。
problem-no-route = 没有 { $method } { $path } 这一接口,请参阅 /api-docs/openapi.json。
problem-no-such-resource = 没有该资源。
problem-method-not-allowed-here = 该资源不允许使用此请求方法。
problem-body-too-large = 请求体过大。
problem-content-type-rejected = 不接受该内容类型。
problem-unreadable = 请求无法读取。
problem-json-rejected = JSON 请求体不符合要求:{ $reason }
problem-json-field-rejected = JSON 请求体不符合要求:字段 { $path }:{ $reason }
problem-json-trailing = JSON 请求体后有多余数据:{ $reason }
problem-json-content-type = 请以 JSON 格式发送请求体,并设置 Content-Type: application/json。
problem-json-too-large = JSON 请求体超过 { $limit } 字节。
problem-body-unreadable = 请求体无法读取:{ $reason }
problem-multipart-unreadable = multipart 请求体无法读取:{ $reason }
problem-upload-cut = 上传中断:{ $reason }
problem-limit-range = limit 须在 1 到 { $max } 之间。
problem-offset-range = offset 须在 0 到 { $max } 之间。
problem-metrics-elsewhere = 运行指标在运维地址(VL_METRICS_BIND)上提供。
problem-not-ready = 数据库或数据目录尚未就绪。
problem-receipt-store-unavailable = 票据存储暂时无法访问,本次未记录任何内容,请稍后重试。
problem-not-ready-receipt-store = 票据存储 { $store } 无法访问。
