// usage: node bench/flood/malformed_ws_flood.mjs PORT BROKER_PID SECONDS (needs `npm ci --prefix tests/conformance`)
// Floods /ws with malformed JSON for `seconds` (200 messages every 5 ms, pipelined)
// and reports what came back and the broker's CPU time while it lasted.
import WebSocket from '../../tests/conformance/node_modules/ws/index.js';
import { readFileSync } from 'fs';
const [port, pid, seconds] = process.argv.slice(2).map(Number);
const cpu = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; };
const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?user_id=flooder`);
let sent = 0, malformed = 0, limited = 0, closed = null;
const cpu0 = cpu(); const t0 = Date.now();
ws.on('message', (d) => { const s = d.toString();
  if (s.includes('INVALID_MESSAGE_FORMAT')) malformed++; else if (s.includes('RATE_LIMIT')) limited++; });
ws.on('close', (code, reason) => { closed = `${code} ${reason}`; });
ws.on('open', () => {
  const pump = () => {
    if (closed || Date.now() - t0 > seconds * 1000) return finish();
    // 200 messages every 5 ms (40,000/s offered) unless the socket is backed up.
    for (let i = 0; i < 200 && ws.bufferedAmount < 1 << 20 && ws.readyState === 1; ++i) { ws.send('{"event":'); sent++; }
    setTimeout(pump, 5);
  };
  pump();
});
function finish() {
  setTimeout(() => {
    console.log(JSON.stringify({ sent, malformed_answers: malformed, rate_limited_answers: limited,
      closed, seconds: (Date.now() - t0) / 1000, broker_cpu_s: +(cpu() - cpu0).toFixed(2) }));
    process.exit(0);
  }, 500);
}
