// node-lazy-routes: a router that compiles each route on its first hit. NOT A LEAK.
//
// Reproduces a Node service with a large route table (an API gateway, a CMS with many
// page templates, a framework that builds validators from schemas) that compiles routes
// lazily: a route's path pattern becomes a RegExp and its handler is generated with
// new Function the first time a request hits it, and both are cached for good. Requests
// hit random routes of a finite set, so the number of compiled routes grows as in the
// coupon-collector problem (fast, then slower; with the defaults, 3,000 routes at 400
// requests/s, 90 % compiled at ~17 s, 99 % at ~35 s), and each handler is then made hot
// and tiered up by V8 (bytecode, baseline code, optimised code) as it keeps being hit.
// Code space, bytecode, feedback vectors and the route cache grow while new routes are
// compiled and then stop; the young generation's sawtooth from per-request garbage sits on
// top. Not a leak: everything retained is bounded by the number of routes.
//
// Usage: node node-lazy-routes.js [ROUTES] [REQ_PER_S]
'use strict';
const routes = Number(process.argv[2] || 3000);
const rate = Number(process.argv[3] || 400);

// The route table as written by its authors: a pattern and a small handler body each.
const table = [];
for (let r = 0; r < routes; r++) {
  table.push({
    pattern: `/api/v${r % 4 + 1}/r${r}/:id/:section`,
    body: `
      let acc = ${r};
      const out = [];
      for (let i = 0; i < req.items.length; i++) {
        const it = req.items[i];
        acc = (acc * 31 + it.qty * ${r % 13 + 1} + it.sku.length + params.id.length) | 0;
        if (it.qty > ${r % 7 + 3}) out.push({ sku: it.sku, n: it.qty * ${r % 5 + 1} });
      }
      return JSON.stringify({ route: ${r}, section: params.section, acc, out });`,
  });
}

// Compiled lazily, on first hit, and kept: the cache is bounded by the table.
const compiled = new Map();
function compile(r) {
  const src = table[r].pattern.replace(/\//g, '\\/').replace(/:(\w+)/g, '(?<$1>[^/]+)');
  const route = { re: new RegExp(`^${src}$`), handler: new Function('req', 'params', table[r].body) };
  compiled.set(r, route);
  return route;
}

let seq = 0;
function request() {
  const r = Math.floor(Math.random() * routes);
  const path = `/api/v${r % 4 + 1}/r${r}/${seq % 10007}/s${seq % 5}`;
  const route = compiled.get(r) || compile(r);
  const m = route.re.exec(path);
  const req = { items: Array.from({ length: 24 }, (_, i) => ({ sku: `sku-${(seq + i) % 97}`, qty: (seq + i) % 11 })) };
  seq++;
  return route.handler(req, m.groups).length;
}

let due = 0;
let sink = 0;
const perTick = rate / 100;
setInterval(() => {
  for (due += perTick; due >= 1; due--) sink += request();
  if (sink < 0) console.log(sink);
}, 10);
