// node-jit-warmup: hot code paths compiled early, then a flat steady state. NOT A LEAK.
//
// Reproduces a Node service at start-up: many distinct handlers (one per route, generated
// here with new Function as template engines and validators do) run hot in the first
// seconds, so V8 compiles them through its tiers (bytecode, Sparkplug, Maglev/TurboFan) and
// code space and feedback vectors grow; once every route has been optimised, the set of
// compiled code stops changing and memory is flat. Not a leak: the growth is bounded by the
// amount of code, and it ends within the warm-up.
//
// Usage: node node-jit-warmup.js [ROUTES] [REQ_PER_S]
'use strict';
const routes = Number(process.argv[2] || 400);
const rate = Number(process.argv[3] || 200);

const handlers = [];
for (let r = 0; r < routes; r++) {
  handlers.push(new Function('req', `
    let acc = ${r};
    for (let i = 0; i < req.items.length; i++) {
      const it = req.items[i];
      acc = (acc * 31 + it.qty * ${r % 13 + 1} + it.sku.length) | 0;
      if (it.qty > ${r % 7 + 3}) acc ^= ${r * 2654435761 >>> 0};
    }
    return { route: ${r}, acc, n: req.items.length };
  `));
}
const req = { items: Array.from({ length: 32 }, (_, i) => ({ sku: `sku-${i}`, qty: i % 11 })) };

// Start-up: every route is exercised until hot, as the first minutes of traffic would.
const warmEnd = Date.now() + 3000;
let sweep = 0;
function warm() {
  for (let k = 0; k < 50; k++) handlers[(sweep++) % routes](req);
  if (Date.now() < warmEnd) setImmediate(warm);
}
warm();

let seq = 0;
const perTick = rate / 100;
let due = 0;
setInterval(() => {
  for (due += perTick; due >= 1; due--) handlers[(seq++ * 7) % routes](req);
}, 10);
