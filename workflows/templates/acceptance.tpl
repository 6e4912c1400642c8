@-- 受理通知书: the renderer draws the office, title, number and QR code.
{{applicant.name}}：

你（单位）于{{application.submitted_at}}通过{{application.channel}}提出的“{{application.service.name}}”申请（申请编号：{{application.number}}），
经审查，申请材料齐全、符合法定形式，依据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。

# 办理时限
本事项承诺办结时限为{{limits.promised_days}}个工作日，预计于{{limits.due_date}}前办结；
法定办结时限为{{limits.statutory_days}}个工作日，法定期限截止日为{{limits.statutory_due_date}}。
{{#if limits.provisional}}
（办结日期按已公布的工作日历推算，如遇节假日调整，以实际工作日为准。）
{{/if}}

{{#if materials}}
# 已收取的申请材料
@table 1 7 3
@head 序号 | 材料名称 | 收取情况
{{#each materials}}
@row {{@index}} | {{name}} | {{status}}
{{/each}}
{{/if}}

{{#if gaps}}
# 容缺受理事项
以下材料按容缺方式受理，请于期限内补齐：
@table 1 7 3
@head 序号 | 材料名称 | 补齐期限
{{#each gaps}}
@row {{@index}} | {{name}} | {{due_date}}前
{{/each}}
{{/if}}

{{#if commitments}}
# 告知承诺事项
以下材料由申请人书面承诺代替提交，承诺不实的将依法承担相应责任：
{{#each commitments}}
{{@index}}. {{name}}
{{/each}}
{{/if}}

{{#if tracking.code}}
# 办理进度查询
查询码：{{tracking.code}}。请妥善保管本通知书，凭申请编号和查询码或扫描下方二维码查询办理进度。
{{/if}}
{{#unless tracking.code}}
# 办理进度查询
可扫描下方二维码查询办理进度。
{{/unless}}

@right {{office.name}}
@right {{document.date}}
