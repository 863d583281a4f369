// Connection state recovery (PROTOCOL.md §7) with the official socket.io-client 4.x:
// a transport drop within the window gives the client its sid back and every missed
// stream packet in order; past the window it is a fresh connection whose saved
// subscriptions are restored (with a snapshot).
//
//   node --test tests/conformance/recovery.test.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

import { startBroker, runningBrokers } from './lib/broker.mjs';
import { Recorder, sleep, WAIT_MS } from './lib/clients.mjs';

const TEST_TIMEOUT_MS = 30_000;
const SYMBOL = '600519';

// An empty configuration, so no simulated feed ticks 600519 behind the test's back; every
// header-mode user may publish, and the publisher is not rate limited.
const BROKER_ARGS = ['--host=127.0.0.1', '--config-file=/dev/null', '--auth.mode=header',
  '--auth.default-roles=["trader","publisher"]', '--limits.events-per-second=1000000'];

/** Starts a broker for test `t`; it and every socket opened through `env.sio` are closed after the test. */
async function setup(t, extraArgs = []) {
  const broker = await startBroker({ args: [...BROKER_ARGS, ...extraArgs] });
  const sockets = [];
  t.after(async () => {
    for (const s of sockets) s.disconnect();
    const res = await broker.stop();
    if (res.signal === 'SIGKILL') throw new Error(`broker did not exit within 5 s of SIGTERM:\n${broker.output()}`);
  });
  return {
    broker,
    /** A reconnecting socket.io-client for user `user`; resolves once connected. */
    async sio(user, opts = {}) {
      const socket = io(broker.url, {
        transports: ['websocket'], forceNew: true, timeout: WAIT_MS,
        extraHeaders: { 'X-User-Id': user }, reconnectionDelay: 50, reconnectionDelayMax: 100, ...opts,
      });
      sockets.push(socket);
      const rec = new Recorder(user);
      const log = []; // every event with all its arguments (offset included), for failure messages
      socket.onAny((event, ...args) => { rec.push(event, args[0]); log.push(`${event} ${JSON.stringify(args)}`); });
      socket.on('connect', () => log.push(`#connect id=${socket.id} recovered=${socket.recovered}`));
      socket.on('disconnect', (reason) => log.push(`#disconnect ${reason}`));
      await nextConnect(socket);
      return { socket, rec, log, describe: () => log.slice(-60).join('\n  ') };
    },
  };
}

/** Resolves on the socket's next 'connect' (rejects after `ms`). */
function nextConnect(socket, ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'connect' within ${ms} ms`)), ms);
    socket.once('connect', () => { clearTimeout(timer); resolve(); });
  });
}

/** Publishes ticks of SYMBOL with prices 1, 2, 3, ... one every 5 ms until stop() is awaited. */
function startPublisher(socket) {
  const state = { accepted: 0, running: true };
  state.done = (async () => {
    for (let price = 1; state.running; price += 1) {
      const ack = await socket.timeout(WAIT_MS).emitWithAck('publish', [{ symbol: SYMBOL, price }]);
      assert.equal(ack?.accepted, 1, `publish of price ${price} not accepted: ${JSON.stringify(ack)}`);
      state.accepted += 1;
      await sleep(5);
    }
  })();
  state.done.catch(() => {}); // reported by stop()
  state.stop = async () => { state.running = false; await state.done; return state.accepted; };
  return state;
}

test('recovery: a transport drop loses no stream packet and keeps the sid', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const env = await setup(t);
  const a = await env.sio('alice');
  const seqs = [];
  a.socket.on('stream_data', (d) => seqs.push(d.seq)); // the offset (last argument) is ignored
  a.socket.emit('subscribe_market_stream', { symbol: SYMBOL });
  await a.rec.waitFor('stream_subscribed');

  const p = await env.sio('publisher');
  const pub = startPublisher(p.socket);
  await a.rec.waitFor('stream_data', () => seqs.length >= 10);

  const sid = a.socket.id;
  const reconnected = nextConnect(a.socket);
  const acceptedAtDrop = pub.accepted;
  a.socket.io.engine.close(); // the WebSocket closes without a Socket.IO DISCONNECT, like a network failure
  await reconnected;
  const missedWhileAway = pub.accepted - acceptedAtDrop;
  assert.equal(a.socket.recovered, true, `socket.recovered after the reconnect; alice's events:\n  ${a.describe()}`);
  assert.equal(a.socket.id, sid, 'a recovered connection keeps its sid');
  assert.ok(missedWhileAway >= 3, `only ${missedWhileAway} ticks were published while alice was away`);

  await sleep(200); // live traffic after the recovery
  const total = await pub.stop();
  await a.rec.waitFor('stream_data', (d) => d?.seq >= total).catch(() => {});
  const expected = Array.from({ length: total }, (_, i) => i + 1);
  assert.deepEqual(seqs, expected, `alice must get seq 1..${total} exactly once, in order; events:\n  ${a.describe()}`);
});

test('recovery: past the window the client gets a fresh session with its subscriptions restored', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const env = await setup(t, ['--recovery.window=200']);
  // reconnect exactly 500 ms after the drop, well past the 200 ms window
  const a = await env.sio('alice', { reconnectionDelay: 500, reconnectionDelayMax: 500, randomizationFactor: 0 });
  a.socket.emit('subscribe_market_stream', { symbol: SYMBOL });
  await a.rec.waitFor('stream_subscribed');
  const p = await env.sio('publisher');
  await p.socket.timeout(WAIT_MS).emitWithAck('publish', [{ symbol: SYMBOL, price: 1.5 }]);
  await a.rec.waitFor('stream_data', (d) => d?.seq === 1);

  const before = a.rec.events.length;
  const sid = a.socket.id;
  const reconnected = nextConnect(a.socket);
  a.socket.io.engine.close();
  await reconnected;
  assert.equal(a.socket.recovered, false, `socket.recovered past the window; alice's events:\n  ${a.describe()}`);
  assert.notEqual(a.socket.id, sid, 'a fresh session has a new sid');

  const sinceDrop = (pred) => (d) => a.rec.events.findIndex((e) => e.data === d) >= before && pred(d);
  const cr = await a.rec.waitFor('connect_response', sinceDrop(() => true));
  assert.equal(cr.recovered, false, `connect_response.recovered: ${JSON.stringify(cr)}`);
  assert.ok(cr.restored?.streams?.includes(SYMBOL), `connect_response.restored.streams must list ${SYMBOL}: ${JSON.stringify(cr)}`);
  const snap = await a.rec.waitFor('stream_data', sinceDrop((d) => d?.snapshot === true));
  assert.equal(snap.symbol, SYMBOL);
  assert.equal(snap.data?.price, 1.5, `the snapshot carries the last tick: ${JSON.stringify(snap)}`);
});

after(() => {
  assert.deepEqual(runningBrokers(), [], 'broker processes left behind');
});
