# 身份与权限:登录、令牌、用户、巡察轮次。

role-admin = 管理员
role-clerk = 乡镇财务站会计
role-inspector = 巡察组成员
role-villager = 村民
role-discipline = 纪检监察人员

token-fault-too-long = 过长
token-fault-malformed = 格式错误
token-fault-wrong-algorithm = 签名算法不符
token-fault-no-key-id = 缺少密钥编号
token-fault-unknown-key = 密钥未知或已停用
token-fault-signature = 签名或声明无效
token-fault-no-subject = 缺少用户

auth-bad-username = 用户名“{ $username }”须为 3—40 个字母、数字、“.”、“_”或“-”。
auth-password-too-short = 密码至少需要 { $min } 个字符。
auth-password-too-long = 密码最多 { $max } 个字符。
auth-no-such-village = 村 { $village } 不存在。
auth-clerk-without-township = 乡镇财务站会计须指定所属乡镇。
auth-villager-without-village = 村民须指定所属村。
auth-fixed-scope-not-allowed = 巡察组成员和管理员没有固定的权限范围;巡察组成员的范围来自巡察轮次;纪检监察人员的范围来自其所在单位,也只有他们须指定单位。
auth-discipline-without-addressee = 纪检监察人员须指定所在单位(交办对象)。
auth-addressee-missing = 没有交办对象 { $addressee }。
auth-user-exists = 用户 { $username } 已存在。
auth-user-not-found = 没有用户 { $username }。
auth-not-ledger-writer = { $role }不能记账;台账由乡镇财务站会计登记。
auth-admin-only = 只有管理员可以进行此操作。
auth-locked = 该用户名密码错误次数过多,请稍后再试。
auth-bad-access-token = 访问令牌无效({ $fault }),请重新登录。
auth-bad-refresh-token = 刷新令牌无效,请重新登录。
auth-missing-token = 请提供访问令牌:Authorization: Bearer <令牌>(通过 POST /api/v1/auth/token 获取)。
auth-account-disabled = 该账号已停用或不存在。
auth-wrong-password = 用户名或密码错误。
auth-round-ends-before-start = 结束日期 { $ends_on }早于开始日期 { $starts_on }。
auth-round-without-inspectors = 巡察轮次至少需要一名巡察组成员。
auth-round-without-targets = 巡察轮次至少需要一个乡镇或村。
auth-round-too-large = 一个巡察轮次的成员、乡镇和村合计最多 { $max } 个。
auth-no-enabled-user = 没有在用的用户 { $username }。
auth-not-an-inspector = { $username } 是{ $role },不是巡察组成员。
auth-recusal-home-township = 交叉巡察回避:巡察组成员 { $inspector } 的户籍乡镇 { $township } 在本轮巡察范围内。
auth-recusal-home-village = 交叉巡察回避:巡察组成员 { $inspector } 的户籍村 { $village } 在本轮巡察范围内。
auth-inspection-not-found = 您的权限范围内没有巡察轮次 { $id }。
auth-not-inspection-reader = 只有管理员和巡察组成员可以查看巡察轮次。
auth-audit-readers = 只有管理员和巡察组成员可以查阅审计日志。
