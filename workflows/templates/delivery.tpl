@-- 出件回执: signed by whoever receives the licenses.
{{applicant.name}}：

你（单位）申请的“{{application.service.name}}”（申请编号：{{application.number}}）已办结，
下列证照已于{{delivered_at}}以{{method}}方式送达：

@table 1 6 5
@head 序号 | 证照名称 | 证照编号
{{#each licenses}}
@row {{@index}} | {{name}} | {{number}}
{{/each}}

请当场核对证照内容，如有错漏请即时向窗口工作人员提出。

@sign 领取人（签名）
@right {{office.name}}
@right {{document.date}}
