@-- 容缺受理告知书
{{applicant.name}}：

你（单位）于{{application.submitted_at}}提出的“{{application.service.name}}”申请（申请编号：{{application.number}}），
基本条件具备、主要申请材料齐全，部分次要材料尚有欠缺。本机关于{{accepted_at}}对该申请予以容缺受理。请于下列期限内补齐所缺材料：

@table 1 7 3
@head 序号 | 容缺材料 | 补齐期限
{{#each gaps}}
@row {{@index}} | {{name}} | {{due_date}}前
{{/each}}

# 逾期未补齐的后果
{{consequence}}

@right {{office.name}}
@right {{document.date}}
