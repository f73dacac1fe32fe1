// node-fd-leak: files opened per request on an error path that skips close. LEAK (fds).
//
// Reproduces a Node service that opens a template file for each report with fs.openSync,
// reads its head, and closes it only on the success path; the validation check that
// fails (here: every report, as after a template change) returns early and the
// descriptor stays open. Raw descriptors have no finalizer, so GC never closes them. A leak:
// one descriptor per failed report, until EMFILE.
//
// Usage: node node-fd-leak.js [SECONDS_BETWEEN_REPORTS]
'use strict';
const fs = require('fs');

const every = Number(process.argv[2] || 4);
function report(n) {
  const fd = fs.openSync(__filename, 'r');
  const head = Buffer.alloc(64);
  fs.readSync(fd, head, 0, 64, 0);
  if (!head.toString().includes(`version ${n}`)) return null; // early return: fd stays open
  fs.closeSync(fd);
  return head;
}
let n = 0;
setInterval(() => { report(++n); }, every * 1000);
setInterval(() => { JSON.stringify({ tick: Date.now() }); }, 50);
