// node-midrun-leak: a response cache switched on mid-run that is keyed by request ID.
// LEAK (rss), starting about 30 s after start.
//
// Reproduces a Node service that serves flat for a while, then a feature flag (here a timer
// standing in for a config reload) turns on "response memoisation". The memo is keyed by
// the request ID, which never repeats, so every response is stored and none is ever hit or
// evicted. Before the flag the service is a steady GC sawtooth; after it, old space grows
// for as long as requests arrive. A leak, but only from the moment the flag flips: a
// detector must see the late growth rather than averaging it away.
//
// Usage: node node-midrun-leak.js [START_S] [REQ_PER_S] [RESPONSE_BYTES]
'use strict';
const startS = Number(process.argv[2] || 30);
const rate = Number(process.argv[3] || 40);
const bytes = Number(process.argv[4] || 1200);

const memo = new Map();
let memoise = false;
setTimeout(() => { memoise = true; }, startS * 1000);

let seq = 0;
function handle() {
  seq++;
  const id = `r${seq}-${(seq * 2654435761) >>> 0}`;
  const rows = [];
  for (let i = 0; i < 8; i++) rows.push({ sku: seq + i, qty: i, note: 'n'.repeat(bytes / 8) });
  const body = JSON.stringify(rows);
  if (memoise) memo.set(id, body);
  return body.length;
}

const perTick = rate / 100;
let due = 0;
setInterval(() => {
  for (due += perTick; due >= 1; due--) handle();
}, 10);
