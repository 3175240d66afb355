# 巡察工作流程:交办对象(交办单送达的单位)。

workflow-not-addressee-manager = { $role }无此权限:交办对象由管理员登记,工作人员可查阅。
workflow-addressee-not-found = 没有交办对象 { $addressee }。
workflow-addressee-exists = 名为“{ $name }”的交办对象已存在。
workflow-township-missing = 没有乡镇(街道) { $township }。
workflow-addressee-needs-township = 乡镇(街道)纪工委或财务站须指定所属乡镇(街道)。
workflow-addressee-takes-no-township = 县纪委监委面向全县,不指定乡镇(街道)。
