@-- 办事指南: the renderer draws the office, the title, the service's name
@-- and the QR code to the guide page (guide_url). The data is the JSON of
@-- GET /api/v1/workflows/{id}/guide with office, guide_url and service
@-- (guide.model.json); parts a definition does not give are left out.
# 基本信息
@table 2 7
@row 事项名称 | {{name}}
{{#if kind}}
@row 事项类型 | {{kind}}
{{/if}}
{{#if code}}
@row 实施编码 | {{code}}
{{/if}}
@row 服务对象 | {{applicant}}
@row 法定办结时限 | {{limits.statutory_days}}个工作日
@row 承诺办结时限 | {{limits.promised_days}}个工作日
{{#if fees.free}}
@row 收费标准 | 不收费
{{/if}}
{{#each fees.items}}
@row 收费标准 | {{name}}：{{amount}}元（收费依据：{{basis}}）
{{/each}}
{{#if where.address}}
@row 办理地点 | {{where.address}}
@row 办理时间 | {{where.hours}}
{{/if}}
{{#if contact.consult}}
@row 咨询电话 | {{contact.consult}}
@row 监督投诉电话 | {{contact.complain}}
{{/if}}
{{#if online}}
@row 网上办理 | 可在线申请：扫描本指南的二维码，在办事指南页面点击“在线申请”
{{/if}}
{{#unless online}}
@row 网上办理 | 本事项暂不支持网上申请，请到综合窗口办理
{{/unless}}

{{#if legal_basis}}
# 设定依据
@table 1 11
{{#each legal_basis}}
@row {{@index}} | {{text}}
{{/each}}
{{/if}}

{{#if conditions}}
# 受理条件
@table 1 11
{{#each conditions}}
@row {{@index}} | {{text}}
{{/each}}
{{/if}}

{{#if materials}}
# 申请材料
@table 1 6 2 5
@head 序号 | 材料名称 | 是否必要 | 说明
{{#each materials}}
{{#if required}}
@row {{@index}} | {{name}} | 必要 | {{note}}
{{/if}}
{{#unless required}}
@row {{@index}} | {{name}} | 非必要 | {{note}}
{{/unless}}
{{/each}}
{{/if}}

# 办理流程
@table 1 3 8
@head 序号 | 环节 | 办理内容
{{#each steps}}
@row {{@index}} | {{name}} | {{detail}}
{{/each}}

# 审批部门与办理结果
@table 1 11
@head 序号 | 审批部门
{{#each bureaus}}
@row {{@index}} | {{name}}
{{/each}}
{{#if results}}
@table 1 6 5
@head 序号 | 办理结果 | 发证部门
{{#each results}}
@row {{@index}} | {{name}} | {{bureau}}
{{/each}}
{{/if}}

# 送达方式
@table 3 9
@head 方式 | 说明
{{#each delivery}}
@row {{name}} | {{detail}}
{{/each}}

{{#if contact.consult}}
# 咨询与监督
对本事项有疑问的，请拨打咨询电话{{contact.consult}}；对办理过程有意见或者建议的，请拨打监督投诉电话{{contact.complain}}。
{{/if}}

@right {{office.name}}
