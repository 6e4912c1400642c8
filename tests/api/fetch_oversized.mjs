// fetch_oversized.mjs — Node's fetch sends an oversized JSON body, as a
// browser or a Node client would (no Expect: 100-continue), and reads the
// answer. Run by test_http.py.
//
// usage: node fetch_oversized.mjs URL BYTES TIMES
// Prints one JSON line: {"read": N, "errors": [...]} where N counts the
// answers read as 413 problem+json with the code body_too_large.
const [url, bytes, times] = process.argv.slice(2);
const body = Buffer.alloc(Number(bytes), 0x78);
let read = 0;
const errors = [];
for (let i = 0; i < Number(times); i++) {
  try {
    const r = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      signal: AbortSignal.timeout(10000),
    });
    const type = r.headers.get("content-type") || "";
    const p = await r.json();
    if (r.status === 413 && type.startsWith("application/problem+json") &&
        p.code === "body_too_large")
      read++;
    else errors.push(`${r.status} ${type} ${JSON.stringify(p)}`);
  } catch (e) {
    errors.push(`${e} ${e.cause || ""}`);
  }
}
console.log(JSON.stringify({ read, errors: errors.slice(0, 5) }));
