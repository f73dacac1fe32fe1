// node-worker-leak: worker threads started per job and never terminated. LEAK (threads;
// RSS grows with them).
//
// Reproduces a Node service that offloads a CPU-heavy job to a new worker_threads Worker.
// The worker posts its result, but it also starts a heartbeat interval that keeps its event
// loop alive, and the parent never calls worker.terminate(): every job leaves one more
// thread (with its own V8 isolate and heap) running. A leak: threads and memory grow with
// the number of jobs, forever.
//
// Usage: node node-worker-leak.js [SECONDS_BETWEEN_JOBS]
'use strict';
const { Worker } = require('worker_threads');

const every = Number(process.argv[2] || 6);
const code = `
const { parentPort, workerData } = require('worker_threads');
let h = 0;
for (let i = 0; i < 200000; i++) h = (h * 31 + i + workerData) >>> 0;
parentPort.postMessage(h);
setInterval(() => { h ^= 1; }, 1000);
`;
const workers = [];
let job = 0;
setInterval(() => {
  job++;
  const w = new Worker(code, { eval: true, workerData: job });
  w.on('message', () => {});
  workers.push(w);
}, every * 1000);
setInterval(() => { JSON.stringify({ ok: workers.length }); }, 50);
