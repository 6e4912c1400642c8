// streams.mjs — 1,000 supervision streams held open on one server
// process, half an inspector's and half those of an officer whose bureau
// has no task in the application; one change must reach every
// inspector's stream and none of the officer's, and the time it takes is
// noted (the fan-out with every stream's filter). Also the stream's
// contract: roles, Accept, Last-Event-ID replay and reset. TAP output.
import net from "node:net";
import { BASE, assert, createApp, done, http, note, sql, test, token } from "./lib.mjs";

const N = Number(process.env.TB_STREAMS || 1000);
const { hostname, port } = new URL(BASE);

// A raw stream on its own socket: collects the text it receives.
function openStream(tok, { lastEventId } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: hostname, port: Number(port) });
    const st = { socket: s, text: "", waiters: [] };
    s.setEncoding("utf8");
    s.on("data", (d) => {
      st.text += d;
      st.waiters = st.waiters.filter((w) => !w());
    });
    s.on("error", reject);
    s.on("connect", () => {
      s.write(
        `GET /api/v1/supervision/stream?access_token=${tok} HTTP/1.1\r\n` +
          `Host: ${hostname}\r\nAccept: text/event-stream\r\n` +
          (lastEventId ? `Last-Event-ID: ${lastEventId}\r\n` : "") +
          "\r\n",
      );
      resolve(st);
    });
  });
}

function waitFor(st, pred, ms = 30000) {
  return new Promise((resolve, reject) => {
    if (pred(st.text)) return resolve();
    const timer = setTimeout(() => reject(new Error("timeout; got: " + st.text.slice(-300))), ms);
    st.waiters.push(() => {
      if (!pred(st.text)) return false;
      clearTimeout(timer);
      resolve();
      return true;
    });
  });
}

const inspector = await token("inspector1");
const other = await token("officer-GJJ"); // no task in a food license (spjy)
let streams = [];

await test("the stream: roles, Accept, and the first bytes", async () => {
  let r = await http("GET", "/api/v1/supervision/stream", {
    headers: { Accept: "text/event-stream" },
  });
  assert(r.status === 401, "anonymous: " + r.status);
  // fetch's own Accept (*/*) takes the stream; one that excludes it is 406
  r = await http("GET", "/api/v1/supervision/stream", {
    token: inspector,
    headers: { Accept: "application/json" },
  });
  assert(r.status === 406 && r.json.code === "not_acceptable", r.text);
  r = await http("GET", "/api/v1/supervision/overview", { token: await token("officer-SCJG") });
  assert(r.status === 403, "officer overview: " + r.status);
  const st = await openStream(await token("officer-SCJG"));
  await waitFor(st, (t) => t.includes("tongban supervision"));
  assert(/content-type: text\/event-stream/i.test(st.text), st.text);
  st.socket.destroy();
});

await test(`${N} streams open on one server process`, async () => {
  const t0 = Date.now();
  for (let i = 0; i < N; i += 100) {
    const batch = [];
    for (let k = i; k < Math.min(N, i + 100); k++) batch.push(openStream(k % 2 ? other : inspector));
    streams.push(...(await Promise.all(batch)));
  }
  await Promise.all(streams.map((st) => waitFor(st, (t) => t.includes("tongban supervision"))));
  note(`${N} streams open in ${Date.now() - t0} ms`);
  const r = await http("GET", "/healthz");
  assert(r.status === 200, "the server still answers");
});

let eventId = null;
await test(`one change reaches the ${N / 2} inspector's streams, none of the ${N / 2} other bureau's`, async () => {
  const mine = streams.filter((_, k) => k % 2 === 0);
  const others = streams.filter((_, k) => k % 2 === 1);
  const t0 = Date.now();
  const a = await createApp("spjy");
  const created = Date.now();
  await Promise.all(mine.map((st) => waitFor(st, (t) => t.includes(a.number))));
  const all = Date.now();
  note(`event at all ${mine.length} inspector's streams ${all - created} ms after the 201 ` +
       `(${all - t0} ms after the POST was sent), ${others.length} other streams open`);
  // an event for GJJ after it: when it has arrived, the first would have
  const end = "330100209901010000009";
  sql(`SELECT pg_notify('tongban', '{"number":"${end}","seq":1,"action":"submit","status":"submitted",` +
      `"warning":"none","bureaus":["GJJ"]}')`);
  await Promise.all(others.map((st) => waitFor(st, (t) => t.includes(end))));
  note(`an event of GJJ at all ${others.length} of its streams ${Date.now() - all} ms later`);
  assert(others.every((st) => !st.text.includes(a.number)), "an officer's stream got another bureau's application");
  const m = /id: ([0-9a-f]{8}-\d+)\nevent: change\ndata: [^\n]*\n/.exec(streams[0].text);
  assert(m, streams[0].text.slice(-400));
  eventId = m[1];
  const data = JSON.parse(/data: (.*)/.exec(streams[0].text.slice(m.index))[1]);
  assert(data.number === a.number && data.status, JSON.stringify(data));
});

await test("streams close cleanly; the server keeps serving", async () => {
  for (const st of streams) st.socket.destroy();
  streams = [];
  await new Promise((r) => setTimeout(r, 500));
  const r = await http("GET", "/api/v1/supervision/overview", { token: inspector });
  assert(r.status === 200 && r.json.counts, r.text);
});

await test("Last-Event-ID: replay after a known id, reset for an unknown one", async () => {
  const [epoch, n] = eventId.split("-");
  const prev = `${epoch}-${Number(n) - 1}`;
  const st = await openStream(inspector, { lastEventId: prev });
  await waitFor(st, (t) => t.includes("id: " + eventId));
  st.socket.destroy();
  const st2 = await openStream(inspector, { lastEventId: "deadbeef-1" });
  await waitFor(st2, (t) => t.includes("event: reset"));
  st2.socket.destroy();
});

done();
