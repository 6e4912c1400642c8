@-- 准予许可决定书
{{applicant.name}}：

你（单位）于{{application.submitted_at}}提出的“{{application.service.name}}”申请（申请编号：{{application.number}}），
经下列部门依法审查，申请符合法定条件、标准，依据《中华人民共和国行政许可法》第三十八条第一款的规定，本机关于{{decided_at}}决定准予行政许可。

# 审查部门
{{#each bureaus}}
{{@index}}. {{name}}
{{/each}}

# 核发的证照
@table 4 5 4 4
@head 证照名称 | 证照编号 | 发证部门 | 有效期至
{{#each licenses}}
@row {{name}} | {{number}} | {{bureau}} | {{valid_until}}
{{/each}}

请凭本决定书及有效身份证件领取证照。电子证照已同步归集，可扫描证照上的二维码核验真伪。

@right {{office.name}}
@right {{document.date}}
