// Usage: node bench/market_bounds/ring_and_reply.mjs <binary> <port>
// Publishes 1000 ticks of ~16 KB on one symbol, then one and three concurrent
// get_market_data (limit 1000), then 100 ticks of 900 KB; prints RSS and peak RSS
// (VmHWM) deltas in MB. The outbound limits are raised so that a build without the
// reply cap can deliver its whole reply (it would otherwise close itself as a slow consumer).
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
const require = createRequire(new URL('../../tests/conformance/', import.meta.url));
const { io } = require('socket.io-client');
const [bin, port] = [process.argv[2], Number(process.argv[3])];
const dir = mkdtempSync(tmpdir() + '/qc-bench-');
writeFileSync(dir + '/empty.ini', '');
const child = spawn(bin, [`--port=${port}`, '--host=127.0.0.1', `--data-dir=${dir}`, `--config-file=${dir}/empty.ini`, '--auth.mode=header', '--limits.events-per-second=100000', '--limits.max-outbound-bytes=134217728', '--limits.soft-outbound-bytes=134217728'], { stdio: ['ignore', 'pipe', 'inherit'] });
process.on('exit', () => child.kill('SIGKILL'));
process.on('uncaughtException', e => { console.log('error', String(e)); process.exit(1); });
await new Promise(r => child.stdout.on('data', d => { if (String(d).includes('listening')) r(); }));
const mem = () => { const s = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = k => Number(s.match(new RegExp(k + ':\\s+(\\d+)'))[1]) / 1024; return { rss: kb('VmRSS'), hwm: kb('VmHWM') }; };
const sock = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], extraHeaders: { 'X-User-Id': 'pub' } });
await new Promise(r => sock.on('connect', r));
await new Promise(r => setTimeout(r, 300));
const base = mem();
const f = c => c.repeat(4000);
for (let b = 0; b < 20; ++b) {
  const batch = [];
  for (let i = 0; i < 50; ++i) batch.push({ symbol: 'HUGE', price: b * 50 + i, a: f('a'), b: f('b'), c: f('c'), d: f('d') });
  const ack = await sock.timeout(30000).emitWithAck('publish', batch);
  if (!ack.ok) throw new Error(JSON.stringify(ack));
}
await new Promise(r => setTimeout(r, 300));
const afterTicks = mem(); console.log('ticks', JSON.stringify({ ring_ticks_rss_mb: +(afterTicks.rss - base.rss).toFixed(1) }));
const ask = id => sock.timeout(60000).emitWithAck('request', { type: 'request', request_id: String(id), action: 'get_market_data', payload: { symbol: 'HUGE', limit: 1000 } });
const one = await ask(1);
const afterOne = mem(); console.log('one', JSON.stringify({ bytes: JSON.stringify(one).length, peak_mb: +(afterOne.hwm - afterTicks.hwm).toFixed(1) }));
const three = await Promise.all([ask(2), ask(3), ask(4)]);
const afterThree = mem(); console.log('three', JSON.stringify({ peak_mb: +(afterThree.hwm - afterTicks.hwm).toFixed(1) }));
// 100 ticks of 900 KB, the case: accepted or refused?
let big = 0, bigRefused = 0;
for (let i = 0; i < 100; ++i) {
  const ack = await sock.timeout(30000).emitWithAck('publish', { symbol: 'BIG', price: i, pad: 'x'.repeat(900000) });
  if (ack.ok) ++big; else ++bigRefused;
}
await new Promise(r => setTimeout(r, 300));
const afterBig = mem();
console.log(JSON.stringify({ bin, ring_ticks_rss_mb: +(afterTicks.rss - base.rss).toFixed(1),
  reply_bytes: JSON.stringify(one).length, reply_ticks: one.data.ticks.length, truncated: !!one.data.truncated,
  one_reply_peak_mb: +(afterOne.hwm - afterTicks.hwm).toFixed(1), three_replies_peak_mb: +(afterThree.hwm - afterTicks.hwm).toFixed(1),
  big_accepted: big, big_refused: bigRefused, big_rss_mb: +(afterBig.rss - afterThree.rss).toFixed(1), total_rss_mb: +afterBig.rss.toFixed(1) }));
sock.close(); child.kill('SIGTERM');
