@-- 不予许可决定书 (《行政许可法》第三十八条)
{{applicant.name}}：

你（单位）于{{application.submitted_at}}提出的“{{application.service.name}}”申请（申请编号：{{application.number}}），
经{{bureau.name}}审查，依据《中华人民共和国行政许可法》第三十八条第二款的规定，本机关于{{decided_at}}决定不予行政许可。

# 不予许可的理由
{{reason}}

# 依据
{{legal_basis}}

# 救济途径
如不服本决定，可以自收到本决定书之日起六十日内向{{rights.review_body}}申请行政复议，
或者在六个月内向{{rights.court}}提起行政诉讼。

@right {{office.name}}
@right {{document.date}}
