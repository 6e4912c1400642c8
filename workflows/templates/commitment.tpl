@-- 告知承诺书: the applicant signs it.
{{office.name}}：

本人（单位）{{applicant.name}}申请办理“{{application.service.name}}”（申请编号：{{application.number}}），
已知晓行政机关告知的全部内容，现就下列事项作出承诺：

{{#each commitments}}
# {{@index}}. {{name}}
{{text}}

{{/each}}
本人（单位）承诺所填写的信息及提交的材料真实、准确、完整，上述承诺是本人（单位）真实意思的表示。
如有不实承诺，愿意承担由此产生的一切法律责任，并接受行政机关依法作出的处理。

@sign 申请人（签名或盖章）
