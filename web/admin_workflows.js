// admin_workflows.js — the administrator's workflow definitions (流程定义)
// on web/admin.html: the deployed services (GET /api/v1/workflows: id,
// name, version, when deployed), and a definition's XML file checked
// (POST /api/v1/workflows/check: the loader's problems one per line, a
// click shows the line) and then deployed (POST /api/v1/workflows), which
// the page offers only once the check passed.
import { api, clear, fmtTime, h, problemZhOnly, scrollBox, toast } from "/web/common.js";
import { checkFile, filePicker, showProblems } from "/web/admin_check.js";

const XML = "application/xml; charset=utf-8";

export function workflowsSection() {
  const list = h("div", { id: "wf-list" });
  const file = filePicker("wf-file", ".xml,application/xml,text/xml", "流程定义文件（.xml）");
  const result = h("div", { id: "wf-check", "aria-live": "polite" });
  let fresh = null; /* "id@version" just deployed: marked in the list */

  async function load() {
    const r = await api("GET", "/api/v1/workflows");
    const heads = ["事项编号", "事项名称", "版本", "部署时间"];
    clear(list, scrollBox("已部署的流程定义", h("table",
      h("thead", h("tr", heads.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", r.items.map((d) => h("tr", {
        dataset: { id: d.id, version: String(d.version) },
        className: fresh === `${d.id}@${d.version}` ? "selected" : "",
      }, h("td", h("code", { translate: "no" }, d.id)), h("td", d.name), h("td", `第 ${d.version} 版`), h("td", fmtTime(d.deployed_at))))))));
    list.dataset.count = String(r.items.length);
  }

  async function deploy(up, ok, source) {
    try {
      const r = await api("POST", "/api/v1/workflows", up.text, { type: XML });
      fresh = `${r.id}@${r.version}`;
      // the id as the file has it (translate="no"); the toast names the service only
      const [before, after] = r.inserted ? ["已部署：", ""] : ["该文件此前已部署：", "，未作更改"];
      clear(result, h("p.done", { id: "wf-deployed", role: "status" },
        `${before}${ok.name}（`, h("code", { translate: "no" }, r.id), `）第 ${r.version} 版${after}`));
      toast(`${before}${ok.name} 第 ${r.version} 版${after}`, "ok");
      file.name.textContent = "未选择文件";
      await load();
    } catch (e) {
      showProblems(result, e, source);
    }
  }

  const check = () => checkFile(file, result, "上传的流程定义文件", async (up, source) => {
    const ok = await api("POST", "/api/v1/workflows/check", up.text, { type: XML });
    clear(result,
      h("p.ok-text", { role: "status" }, `检查通过：${ok.name}（`, h("code", { translate: "no" }, ok.id), `）第 ${ok.version} 版，可以部署。部署后新受理的申请使用此版本，在办件仍按原版本办理。`),
      h("div.actions", h("button.primary", { type: "button", id: "wf-deploy", onclick: () => deploy(up, ok, source) }, "部署此版本")),
      h("details", h("summary", "查看文件内容"), source.box));
  });
  file.input.addEventListener("change", () => check().catch((e) => toast(problemZhOnly(e), "error")));

  const section = h("section", { id: "workflows", "aria-labelledby": "wf-title" },
    h("div.card", h("h2", { id: "wf-title" }, "已部署的流程定义"), list),
    h("div.card",
      h("h2", "部署新的流程定义"),
      h("p.muted", "选择流程定义的 XML 文件，系统先按部署的规则检查：有问题时逐行列出（点击行号查看该行），全部改正后才能部署。版本号须大于已部署的版本。"),
      file.node,
      result));
  section.load = load;
  return section;
}
