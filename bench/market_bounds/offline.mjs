// node bench/market_bounds/offline.mjs <binary> <port>: one sender queues 300 messages of 60 KB for one absent user.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
const require = createRequire(new URL('../../tests/conformance/', import.meta.url));
const { io } = require('socket.io-client');
const [bin, port] = [process.argv[2], Number(process.argv[3])];
const dir = mkdtempSync(tmpdir() + '/qc-bench-');
writeFileSync(dir + '/empty.ini', '');
const child = spawn(bin, [`--port=${port}`, '--host=127.0.0.1', `--data-dir=${dir}`, `--config-file=${dir}/empty.ini`, '--auth.mode=header', '--auth.default-roles=["trader","publisher","admin"]', '--limits.events-per-second=100000'], { stdio: ['ignore', 'pipe', 'inherit'] });
process.on('exit', () => child.kill('SIGKILL'));
process.on('uncaughtException', e => { console.log('error', String(e)); process.exit(1); });
await new Promise(r => child.stdout.on('data', d => { if (String(d).includes('listening')) r(); }));
const sock = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], extraHeaders: { 'X-User-Id': 'mallory' } });
await new Promise(r => sock.on('connect', r));
let queued = 0;
for (let i = 0; i < 300; ++i) {
  const ack = await sock.timeout(30000).emitWithAck('request', { type: 'request', request_id: String(i), action: 'send_to_user', payload: { user_id: 'bob', event: 'note', data: 'x'.repeat(60000) } });
  queued += ack.data.queued;
}
const stats = await (await fetch(`http://127.0.0.1:${port}/stats`)).json();
const q = stats.offline_queue;
console.log(JSON.stringify({ bin, acked_queued: queued, stored_messages: q.total_offline_messages, stored_bytes: q.total_offline_bytes ?? null, dropped: q.dropped_offline }));
sock.close(); child.kill('SIGTERM');
