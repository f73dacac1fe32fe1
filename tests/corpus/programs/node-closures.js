// node-closures: event listeners that capture their request and are never removed.
// LEAK (rss, from start; V8 old-space growth under a young-generation sawtooth).
//
// Reproduces a Node service that, for each request, registers a callback on a long-lived
// emitter ("notify me when the config changes") and never removes it. The closure captures
// the request's context (headers, a parsed body), so every request's context survives in
// the listener array. Each request also builds and serialises a response (garbage), so the
// young generation makes a sawtooth of a few hundred KiB; the retained contexts are promoted
// into old space, whose growth raises the floor of that sawtooth steadily. A leak: the
// listener array only grows (Node's MaxListenersExceededWarning is the classic symptom; the
// limit is raised here, as services that "fix" the warning do).
//
// Usage: node node-closures.js [REQ_PER_S] [CONTEXT_BYTES]
'use strict';
const { EventEmitter } = require('events');

const rate = Number(process.argv[2] || 18);
const ctxBytes = Number(process.argv[3] || 900);
const config = new EventEmitter();
config.setMaxListeners(0);

let seq = 0;
function handle() {
  seq++;
  const ctx = {
    id: `req-${seq}-${Date.now()}`,
    headers: { 'user-agent': 'svc/1.0', accept: 'application/json', 'x-trace': String(seq * 7919) },
    body: 'x'.repeat(ctxBytes) + seq,
  };
  const onChange = (next) => { ctx.headers['x-config'] = next; };
  config.on('change', onChange);
  // The response: built and serialised per request, garbage once sent.
  const rows = [];
  for (let i = 0; i < 40; i++) rows.push({ id: seq * 40 + i, name: `row-${i}`, qty: i, tags: ['a', 'b'] });
  return JSON.stringify({ trace: ctx.headers['x-trace'], rows }).length;
}

const perTick = rate / 100;
let due = 0;
setInterval(() => {
  for (due += perTick; due >= 1; due--) handle();
}, 10);
