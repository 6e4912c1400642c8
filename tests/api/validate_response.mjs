// validate_response.mjs — check one response body against the schema the
// server's OpenAPI document gives it, with Ajv (JSON Schema 2020-12, the
// dialect of OpenAPI 3.1; the validator package of tests/api brings it).
// usage: node validate_response.mjs OPENAPI_URL|FILE PATH METHOD STATUS BODY_FILE
import Ajv2020 from "ajv/dist/2020.js";
import { readFile } from "node:fs/promises";

const [docUrl, path, method, status, bodyFile] = process.argv.slice(2);
const doc = JSON.parse(docUrl.startsWith("http")
  ? await (await fetch(docUrl)).text()
  : await readFile(docUrl, "utf8"));
const op = doc.paths?.[path]?.[method.toLowerCase()];
const content = op?.responses?.[status]?.content;
const media = content && (content["application/json"] || Object.values(content)[0]);
if (!media || !media.schema) {
  console.error(`the document has no schema for ${method} ${path} ${status}`);
  process.exit(1);
}
// The document is added whole, so "#/components/schemas/…" resolves in it.
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ ...doc, $id: "openapi.json" });
const check = ajv.compile({ $ref: "openapi.json#/paths/" +
  path.replaceAll("~", "~0").replaceAll("/", "~1") +
  `/${method.toLowerCase()}/responses/${status}/content/` +
  (content["application/json"] ? "application~1json" : Object.keys(content)[0].replaceAll("/", "~1")) +
  "/schema" });
const body = JSON.parse(await readFile(bodyFile, "utf8"));
if (!check(body)) {
  console.error(JSON.stringify(check.errors, null, 2));
  process.exit(1);
}
console.log(`${method} ${path} ${status}: the body matches its schema`);
