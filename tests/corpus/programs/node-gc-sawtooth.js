// node-gc-sawtooth: a Node service with a fixed live set and heavy garbage churn. NOT A LEAK.
//
// Reproduces a JSON API: a reference catalogue is loaded once at start (the live set), then
// every request parses a body, builds a response from the catalogue and serialises it, all
// of it garbage. V8's scavenger and mark-compact collections make a sawtooth in the heap
// whose floor settles once the heap has grown to its working size in the first seconds.
// Not a leak: nothing per request survives, so the floor does not rise.
//
// Usage: node node-gc-sawtooth.js [REQ_PER_S]
'use strict';
const rate = Number(process.argv[2] || 200);
const catalogue = [];
for (let i = 0; i < 30000; i++) catalogue.push({ id: i, name: `item-${i}`, tags: ['a', 'b', String(i % 17)], price: i / 7 });

let seq = 0;
function handle() {
  seq++;
  const req = JSON.parse(`{"ids":[${seq % 30000},${(seq * 7) % 30000}],"page":${seq % 10}}`);
  const out = [];
  for (let i = 0; i < 64; i++) out.push({ ...catalogue[(req.ids[i % 2] + i) % 30000], page: req.page });
  return JSON.stringify(out).length;
}

const perTick = rate / 100;
let due = 0;
setInterval(() => {
  for (due += perTick; due >= 1; due--) handle();
}, 10);
