// peer.mjs — the peer of tongban's lifecycle benchmark: the npm package
// bpmn-engine running the same process shape — a parallel split into four
// user tasks (the bureaus SCJG, GA, SW, RS) and a join — as many instances
// as it completes in the given time, CONCURRENCY at a time.
//
//   node peer.mjs [--seconds S] [--concurrency N] [--json FILE]
//                 [--durable]
//
// The definition is parsed once (bpmn-moddle) and every instance starts
// from the parsed context, so the figure is the engine's, not the XML
// parser's.
//
// In memory (the default) nothing is stored: the engine alone.
// --durable: the state is kept in PostgreSQL as a deployment of the engine
// keeps it (the npm client pg, connected as libpq would be from PGHOST,
// PGPORT, PGUSER, PGDATABASE and PGPASSFILE): at every wait state the engine's
// getState() is written to a row of bpmn_instances and the engine stopped;
// each user task's signal is its own transaction that locks the row, builds
// a new Engine, recover()s the saved state, resume()s it, signals the task
// and writes the new state back — five commits per instance (the start and
// four signals, the last of which ends it).
import { Engine } from 'bpmn-engine';
import BpmnModdle from 'bpmn-moddle';
import pg from 'pg';
import pgpass from 'pgpass';
import { EventEmitter } from 'node:events';
import { writeFileSync, readFileSync } from 'node:fs';

const source = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="qykb-defs"
             targetNamespace="urn:tongban:bench">
  <process id="qykb" isExecutable="true">
    <startEvent id="submitted"/>
    <sequenceFlow id="f0" sourceRef="submitted" targetRef="split"/>
    <parallelGateway id="split"/>
    <sequenceFlow id="f1" sourceRef="split" targetRef="scjg"/>
    <sequenceFlow id="f2" sourceRef="split" targetRef="ga"/>
    <sequenceFlow id="f3" sourceRef="split" targetRef="sw"/>
    <sequenceFlow id="f4" sourceRef="split" targetRef="rs"/>
    <userTask id="scjg" name="登记审核"/>
    <userTask id="ga" name="印章刻制备案"/>
    <userTask id="sw" name="涉税信息确认"/>
    <userTask id="rs" name="单位参保登记"/>
    <sequenceFlow id="j1" sourceRef="scjg" targetRef="join"/>
    <sequenceFlow id="j2" sourceRef="ga" targetRef="join"/>
    <sequenceFlow id="j3" sourceRef="sw" targetRef="join"/>
    <sequenceFlow id="j4" sourceRef="rs" targetRef="join"/>
    <parallelGateway id="join"/>
    <sequenceFlow id="f5" sourceRef="join" targetRef="approved"/>
    <endEvent id="approved"/>
  </process>
</definitions>`;

function args() {
  const a = { seconds: 5, concurrency: 16, json: null, durable: false };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) {
    if (v[i] === '--seconds') a.seconds = Number(v[i + 1]);
    else if (v[i] === '--concurrency') a.concurrency = Number(v[i + 1]);
    else if (v[i] === '--json') a.json = v[i + 1];
    else if (v[i] === '--durable') { a.durable = true; i--; }
    else throw new Error('usage: node peer.mjs [--seconds S] [--concurrency N] [--json FILE] [--durable]');
  }
  return a;
}

// One instance: start it, approve every user task as it waits, resolve
// when the process has ended.
function runInstance(moddleContext, n) {
  return new Promise((resolve, reject) => {
    const listener = new EventEmitter();
    listener.on('wait', (api) => {
      if (api.type === 'bpmn:UserTask') api.signal({ decision: 'approve' });
    });
    const engine = new Engine({ name: `qykb-${n}`, moddleContext });
    engine.once('end', () => resolve());
    engine.once('error', reject);
    engine.execute({ listener }).catch(reject);
  });
}

const USER_TASKS = ['scjg', 'ga', 'sw', 'rs'];

// Connections to PostgreSQL from the PG* variables, the password from
// PGPASSFILE (the pgpass package, which pg itself uses).
function durablePool(max) {
  const env = process.env;
  const info = { host: env.PGHOST, port: env.PGPORT || '5432', database: env.PGDATABASE, user: env.PGUSER };
  const password = () => new Promise((resolve) => pgpass(info, (pw) => resolve(pw)));
  return new pg.Pool({ ...info, password, max });
}

// The table of the durable peer, created fresh for the run.
async function prepareTable(pool) {
  await pool.query('DROP TABLE IF EXISTS bpmn_instances');
  await pool.query(`CREATE TABLE bpmn_instances (
      id text PRIMARY KEY, state jsonb NOT NULL, ended boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL DEFAULT now())`);
}

// Start an instance until its four user tasks wait; store its state.
async function durableStart(pool, moddleContext, id) {
  const engine = new Engine({ name: id, moddleContext });
  await engine.execute({ listener: new EventEmitter() });
  const state = await engine.getState();
  engine.stop();
  await pool.query('INSERT INTO bpmn_instances (id, state) VALUES ($1, $2::jsonb)',
    [id, JSON.stringify(state)]);
}

// One officer's approval: a transaction of its own that locks the row,
// recovers the engine from it, resumes, signals the task, saves.
async function durableSignal(pool, moddleContext, id, task) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const r = await client.query('SELECT state FROM bpmn_instances WHERE id = $1 FOR UPDATE', [id]);
    const engine = new Engine({ name: id, moddleContext }).recover(r.rows[0].state);
    let ended = false;
    engine.once('end', () => { ended = true; });
    await engine.resume({ listener: new EventEmitter() });
    engine.execution.signal({ id: task, decision: 'approve' });
    const state = await engine.getState();
    if (!ended) engine.stop();
    await client.query('UPDATE bpmn_instances SET state = $2::jsonb, ended = $3, updated_at = now() WHERE id = $1',
      [id, JSON.stringify(state), ended]);
    await client.query('COMMIT');
    return ended;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

async function durableInstance(pool, moddleContext, n) {
  const id = `qykb-${n}`;
  await durableStart(pool, moddleContext, id);
  let ended = false;
  for (const task of USER_TASKS) ended = await durableSignal(pool, moddleContext, id, task);
  if (!ended) throw new Error(`instance ${id} did not end after its four approvals`);
}

async function main() {
  const a = args();
  const moddle = new BpmnModdle();
  const moddleContext = await moddle.fromXML(source);
  const pool = a.durable ? durablePool(a.concurrency) : null;
  if (pool) await prepareTable(pool);
  const one = pool ? (n) => durableInstance(pool, moddleContext, n) : (n) => runInstance(moddleContext, n);
  let completed = 0;
  let started = 0;
  const t0 = performance.now();
  const stopAt = t0 + a.seconds * 1000;
  async function worker() {
    while (performance.now() < stopAt) {
      await one(started++);
      completed++;
    }
  }
  await Promise.all(Array.from({ length: a.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  let saved = null;
  if (pool) {
    const r = await pool.query("SELECT count(*) FILTER (WHERE ended) AS ended, avg(octet_length(state::text))::int AS bytes FROM bpmn_instances");
    saved = { ended: Number(r.rows[0].ended), state_bytes: r.rows[0].bytes };
    if (saved.ended !== completed) throw new Error(`${completed} instances completed but ${saved.ended} stored as ended`);
    await pool.end();
  }
  const version = JSON.parse(readFileSync(new URL('./node_modules/bpmn-engine/package.json', import.meta.url))).version;
  const out = {
    peer: 'bpmn-engine', version, node: process.version, concurrency: a.concurrency,
    durable: Boolean(pool), seconds, instances: completed, instances_per_s: completed / seconds,
    user_tasks_per_instance: 4, commits_per_instance: pool ? 1 + USER_TASKS.length : 0,
    pg_version: pool ? JSON.parse(readFileSync(new URL('./node_modules/pg/package.json', import.meta.url))).version : null,
    stored: saved,
  };
  console.log(`bpmn-engine ${version} (node ${process.version}, ${pool ? 'durable: state in PostgreSQL at every wait' : 'in memory'}): ${completed} instances in ${seconds.toFixed(2)} s = ${(completed / seconds).toFixed(1)} instances/s`);
  if (a.json) writeFileSync(a.json, JSON.stringify(out, null, 2) + '\n');
}

main().catch((e) => { console.error(e); process.exit(1); });
