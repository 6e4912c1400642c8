@-- 一次性告知书 (《行政许可法》第三十二条)
{{applicant.name}}：

你（单位）于{{application.submitted_at}}提出的“{{application.service.name}}”申请（申请编号：{{application.number}}），
经审查，申请材料不齐全或者不符合法定形式。依据《中华人民共和国行政许可法》第三十二条的规定，现一次性告知需要补正的全部内容如下：

@table 3 4 5
@head 审查部门 | 补正事项 | 补正原因
{{#each items}}
@row {{bureau}} | {{item}} | {{reason}}
{{/each}}

# 补正方式
{{#if supply.online}}
请登录网上办事大厅（{{supply.url}}）在线补正，或者携带上述材料到{{supply.window}}窗口提交。
{{/if}}
{{#unless supply.online}}
请携带上述材料到{{supply.window}}窗口提交。
{{/unless}}
{{#if supply.hours}}
窗口办公时间：{{supply.hours}}。
{{/if}}
补正材料提交后，本机关将重新审查；逾期未补正的，视为放弃本次申请。
{{#if office.phone}}
咨询电话：{{office.phone}}。
{{/if}}

@right {{office.name}}
@right {{document.date}}
