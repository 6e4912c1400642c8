// validate_openapi.mjs — check tongban's OpenAPI document with a real
// OpenAPI 3.1 validator (@seriousme/openapi-schema-validator, from the
// repository's package.json). usage: node validate_openapi.mjs URL|FILE
import { Validator } from "@seriousme/openapi-schema-validator";
import { readFile } from "node:fs/promises";

const where = process.argv[2];
const text = where.startsWith("http")
  ? await (await fetch(where)).text()
  : await readFile(where, "utf8");
const doc = JSON.parse(text);
const validator = new Validator();
const res = await validator.validate(doc);
if (validator.version !== "3.1") {
  console.error(`expected an OpenAPI 3.1 document, got ${validator.version}`);
  process.exit(1);
}
if (!res.valid) {
  console.error(JSON.stringify(res.errors, null, 2));
  process.exit(1);
}
console.log(`valid OpenAPI ${validator.version}`);
