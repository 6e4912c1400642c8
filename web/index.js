// index.js — the start page: below the role links, every service with
// its guide (services.js).
import { $ } from "/web/common.js";
import { serviceList } from "/web/services.js";

$("main").append(serviceList("办事指南 · 选择要办理的事项"));
