// peer.mjs — the peer of tongban's lifecycle benchmark: the npm package
// bpmn-engine running the same process shape in memory — a parallel split
// into four user tasks (the bureaus SCJG, GA, SW, RS) and a join — as many
// instances as it completes in the given time, CONCURRENCY at a time.
//
//   node peer.mjs [--seconds S] [--concurrency N] [--json FILE]
//
// The definition is parsed once (bpmn-moddle) and every instance starts
// from the parsed context, so the figure is the engine's, not the XML
// parser's. Nothing is stored: this is the engine alone, in memory.
import { Engine } from 'bpmn-engine';
import BpmnModdle from 'bpmn-moddle';
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
  const a = { seconds: 5, concurrency: 16, json: null };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) {
    if (v[i] === '--seconds') a.seconds = Number(v[i + 1]);
    else if (v[i] === '--concurrency') a.concurrency = Number(v[i + 1]);
    else if (v[i] === '--json') a.json = v[i + 1];
    else throw new Error(`usage: node peer.mjs [--seconds S] [--concurrency N] [--json FILE]`);
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

async function main() {
  const a = args();
  const moddle = new BpmnModdle();
  const moddleContext = await moddle.fromXML(source);
  let completed = 0;
  let started = 0;
  const t0 = performance.now();
  const stopAt = t0 + a.seconds * 1000;
  async function worker() {
    while (performance.now() < stopAt) {
      await runInstance(moddleContext, started++);
      completed++;
    }
  }
  await Promise.all(Array.from({ length: a.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const version = JSON.parse(readFileSync(new URL('./node_modules/bpmn-engine/package.json', import.meta.url))).version;
  const out = {
    peer: 'bpmn-engine', version, node: process.version, concurrency: a.concurrency,
    seconds, instances: completed, instances_per_s: completed / seconds,
    user_tasks_per_instance: 4,
  };
  console.log(`bpmn-engine ${version} (node ${process.version}): ${completed} instances in ${seconds.toFixed(2)} s = ${(completed / seconds).toFixed(1)} instances/s`);
  if (a.json) writeFileSync(a.json, JSON.stringify(out, null, 2) + '\n');
}

main().catch((e) => { console.error(e); process.exit(1); });
