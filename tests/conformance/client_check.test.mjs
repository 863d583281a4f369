// External client checks of the quotecast broker (see README.md and
// /shared/PROTOCOL.md): the official Node socket.io-client 4.x, unchanged, and a
// plain WebSocket client for /ws. Every test starts its own broker and stops it.
//
//   node --test tests/conformance/client_check.test.mjs

import { test, after } from 'node:test';
import assert from 'node:assert/strict';

import { startBroker, runningBrokers } from './lib/broker.mjs';
import { connectSio, connectWs, sleep, QUIET_MS } from './lib/clients.mjs';

const TEST_TIMEOUT_MS = 60_000;
const BROKER_ARGS = ['--host=127.0.0.1', '--auth.mode=header'];

/** Starts a broker for test `t`; it and every client opened through it are closed after the test. */
async function setup(t) {
  const broker = await startBroker({ args: BROKER_ARGS });
  const clients = [];
  t.after(async () => {
    for (const c of clients) {
      try { await c.close(); } catch { /* already closed */ }
    }
    const res = await broker.stop();
    if (res.signal === 'SIGKILL') {
      throw new Error(`broker did not exit within 5 s of SIGTERM; output:\n${broker.output()}`);
    }
  });
  return {
    broker,
    async sio(name, identity = {}) {
      const c = await connectSio(broker.url, { name, ...identity });
      clients.push(c);
      return c;
    },
    async ws(name, opts = {}) {
      const c = await connectWs(broker.wsUrl, { name, ...opts });
      clients.push(c);
      return c;
    },
  };
}

// ---------------------------------------------------------------- shape helpers

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A timestamp per PROTOCOL.md §4: integer milliseconds since the epoch, near now. */
function assertMillis(v, what) {
  assert.ok(Number.isInteger(v), `${what} must be an integer (ms since epoch), got ${JSON.stringify(v)}`);
  assert.ok(Math.abs(v - Date.now()) < 5 * 60_000,
    `${what} must be milliseconds since the Unix epoch close to now, got ${v} (now ${Date.now()})`);
}

function assertConnectResponse(cr, { userId, sid } = {}) {
  assert.ok(isPlainObject(cr), `connect_response payload must be an object, got ${JSON.stringify(cr)}`);
  assert.equal(cr.status, 'connected', 'connect_response.status');
  assert.equal(typeof cr.sid, 'string', 'connect_response.sid must be a string');
  assert.ok(cr.sid.length > 0, 'connect_response.sid must not be empty');
  if (sid !== undefined) assert.equal(cr.sid, sid, 'connect_response.sid must be the Socket.IO sid of this connection');
  if (userId !== undefined) assert.equal(cr.user_id, userId, 'connect_response.user_id');
  else assert.equal(typeof cr.user_id, 'string', 'connect_response.user_id must be a string');
  assert.ok(Array.isArray(cr.roles), `connect_response.roles must be an array, got ${JSON.stringify(cr.roles)}`);
  for (const r of cr.roles) assert.equal(typeof r, 'string', 'connect_response.roles entries must be strings');
  assertMillis(cr.server_time, 'connect_response.server_time');
}

function assertErrorObject(e, code, what) {
  assert.ok(isPlainObject(e), `${what}: must be an object, got ${JSON.stringify(e)}`);
  assert.equal(e.error_code, code, `${what}: error_code (payload ${JSON.stringify(e)})`);
  assert.equal(typeof e.message, 'string', `${what}: message must be a string (payload ${JSON.stringify(e)})`);
}

function assertErrorAck(ack, code, what) {
  assertErrorObject(ack, code, what);
  assert.equal(ack.ok, false, `${what}: ack.ok must be false (ack ${JSON.stringify(ack)})`);
}

/** The ack must equal the reply event's payload plus ok:true (PROTOCOL.md §3). */
function assertAckMirrors(ack, payload, what) {
  assert.deepEqual(ack, { ...payload, ok: true }, `${what}: ack must be the reply payload plus "ok":true`);
}

/** `obj` has (at least) these fields with these values; more fields are allowed. */
function assertFields(obj, expected, what) {
  assert.ok(isPlainObject(obj), `${what}: must be an object, got ${JSON.stringify(obj)}`);
  const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, obj[k]]));
  assert.deepEqual(picked, expected, `${what}: got ${JSON.stringify(obj)}`);
}

/** `obj` has (at least) these keys. */
function assertHasKeys(obj, keys, what) {
  assert.ok(isPlainObject(obj), `${what}: must be an object, got ${JSON.stringify(obj)}`);
  const missing = keys.filter((k) => !(k in obj));
  assert.deepEqual(missing, [], `${what}: missing fields ${missing.join(', ')} in ${JSON.stringify(obj)}`);
}

/** True when `needle` occurs as a string anywhere inside `v` (keys or values). */
function mentions(v, needle) {
  if (typeof v === 'string') return v === needle;
  if (Array.isArray(v)) return v.some((x) => mentions(x, needle));
  if (isPlainObject(v)) return Object.entries(v).some(([k, x]) => k === needle || mentions(x, needle));
  return false;
}

// --------------------------------------------------------------------- checks

test('connect_response: once per connection, to that connection only', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const env = await setup(t);

  const a = await env.sio('alice', { header: 'alice' });
  await sleep(QUIET_MS);
  assert.equal(a.rec.count('connect_response'), 1,
    `alice must get exactly one connect_response; received:\n  ${a.rec.describe()}`);
  const crA = a.rec.all('connect_response')[0];
  assertConnectResponse(crA, { userId: 'alice', sid: a.socket.id });
  assert.equal(a.rec.events[0].event, 'connect_response', 'connect_response must be the first event');

  // identity from the user_id query parameter
  const b = await env.sio('bob', { query: 'bob' });
  await sleep(QUIET_MS);
  assert.equal(b.rec.count('connect_response'), 1,
    `bob must get exactly one connect_response; received:\n  ${b.rec.describe()}`);
  const crB = b.rec.all('connect_response')[0];
  assertConnectResponse(crB, { userId: 'bob', sid: b.socket.id });
  assert.notEqual(crB.sid, crA.sid, 'two connections must have different sids');

  // no identity at all: anon-<sid>
  const c = await env.sio('anonymous');
  await sleep(QUIET_MS);
  assert.equal(c.rec.count('connect_response'), 1,
    `anonymous must get exactly one connect_response; received:\n  ${c.rec.describe()}`);
  const crC = c.rec.all('connect_response')[0];
  assertConnectResponse(crC, { sid: c.socket.id });
  assert.equal(crC.user_id, `anon-${crC.sid}`, 'a connection without identity is anon-<sid> in header mode');

  // the later connections did not cause another connect_response on the earlier ones
  assert.equal(a.rec.count('connect_response'), 1,
    `alice got a connect_response for someone else's connection; received:\n  ${a.rec.describe()}`);
  assert.equal(b.rec.count('connect_response'), 1,
    `bob got a connect_response for someone else's connection; received:\n  ${b.rec.describe()}`);

  // a second connection of the same user gets its own, and the first one none
  const a2 = await env.sio('alice#2', { header: 'alice' });
  await sleep(QUIET_MS);
  assert.equal(a2.rec.count('connect_response'), 1);
  assertConnectResponse(a2.rec.all('connect_response')[0], { userId: 'alice', sid: a2.socket.id });
  assert.equal(a.rec.count('connect_response'), 1,
    `alice's first connection got a connect_response for her second one; received:\n  ${a.rec.describe()}`);
});

test('rooms: subscribe, member-joined notices and room_message delivery', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const env = await setup(t);
  const [R1, R2] = ['conf.room-1', 'conf:room_2'];

  const a = await env.sio('alice', { header: 'alice' });
  const b = await env.sio('bob', { header: 'bob' });
  const c = await env.sio('carol', { query: 'carol' });

  // alice joins both rooms, first member of each
  for (const room of [R1, R2]) {
    const ack = await a.ack('subscribe', { room });
    assertFields(ack, { room, status: 'subscribed', members: 1, ok: true }, `alice's subscribe ack for ${room}`);
    const ev = await a.rec.waitFor('subscribed', (d) => d?.room === room);
    assertAckMirrors(ack, ev, `subscribe ${room}`);
  }

  // bob joins R1 only: alice (R1 member) is told, bob himself is not
  const ackB = await b.ack('subscribe', { room: R1 });
  assertFields(ackB, { room: R1, status: 'subscribed', members: 2, ok: true }, "bob's subscribe ack");
  const joinedB = await a.rec.waitFor('room_member_joined', (d) => d?.room === R1);
  assertHasKeys(joinedB, ['room', 'sid', 'user_id', 'timestamp'], 'room_member_joined');
  assert.equal(joinedB.sid, b.socket.id, 'room_member_joined.sid is the joiner\'s sid');
  assert.equal(joinedB.user_id, 'bob', 'room_member_joined.user_id');
  assertMillis(joinedB.timestamp, 'room_member_joined.timestamp');

  // carol joins R2 only: alice is told, bob (not in R2) is not
  const ackC = await c.ack('subscribe', { room: R2 });
  assertFields(ackC, { room: R2, status: 'subscribed', members: 2, ok: true }, "carol's subscribe ack");
  const joinedC = await a.rec.waitFor('room_member_joined', (d) => d?.room === R2);
  assert.equal(joinedC.sid, c.socket.id);
  assert.equal(joinedC.user_id, 'carol');

  await sleep(QUIET_MS);
  assert.equal(a.rec.count('room_member_joined'), 2, `alice: one notice per joiner; got:\n  ${a.rec.describe()}`);
  assert.equal(b.rec.count('room_member_joined'), 0,
    `bob must get no room_member_joined (not for his own join, not for R2); got:\n  ${b.rec.describe()}`);
  assert.equal(c.rec.count('room_member_joined'), 0,
    `carol must get no room_member_joined for her own join; got:\n  ${c.rec.describe()}`);

  // bob -> R1: alice and bob (sender included) get it, carol not
  const ackMsg = await b.ack('room_message', { room: R1, content: 'hello R1' });
  assert.equal(ackMsg?.ok, true, `room_message ack must have ok:true, got ${JSON.stringify(ackMsg)}`);
  const m1 = await a.rec.waitFor('room_message', (d) => d?.content === 'hello R1');
  assertHasKeys(m1, ['id', 'room_id', 'sender_id', 'message_type', 'content', 'timestamp', 'metadata'], 'room_message');
  assert.equal(m1.room_id, R1);
  assert.equal(m1.sender_id, 'bob');
  assert.equal(m1.message_type, 'text', 'message_type defaults to "text"');
  assert.ok((typeof m1.id === 'string' && m1.id.length > 0) || Number.isInteger(m1.id), `room_message.id: ${JSON.stringify(m1.id)}`);
  assertMillis(m1.timestamp, 'room_message.timestamp');
  assert.ok(m1.metadata === null || isPlainObject(m1.metadata), `room_message.metadata: ${JSON.stringify(m1.metadata)}`);
  const m1b = await b.rec.waitFor('room_message', (d) => d?.content === 'hello R1');
  assert.deepEqual(m1b, m1, 'every member gets the same room_message payload (sender included)');

  // carol -> R2 with metadata and an explicit type: alice and carol get it, bob not
  const meta = { source: 'conformance', n: 1 };
  c.socket.emit('room_message', { room: R2, content: { text: 'hello R2' }, message_type: 'notification', metadata: meta });
  const m2 = await a.rec.waitFor('room_message', (d) => d?.room_id === R2);
  assert.deepEqual(m2.content, { text: 'hello R2' }, 'content is passed through');
  assert.equal(m2.sender_id, 'carol');
  assert.equal(m2.message_type, 'notification');
  assert.deepEqual(m2.metadata, meta, 'metadata is passed through');
  await c.rec.waitFor('room_message', (d) => d?.room_id === R2);
  assert.notEqual(m2.id, m1.id, 'message ids are distinct');

  await sleep(QUIET_MS);
  assert.equal(a.rec.count('room_message'), 2, `alice: one copy of each message; got:\n  ${a.rec.describe()}`);
  assert.deepEqual(b.rec.all('room_message').map((m) => m.room_id), [R1],
    `bob must get the R1 message only; got:\n  ${b.rec.describe()}`);
  assert.deepEqual(c.rec.all('room_message').map((m) => m.room_id), [R2],
    `carol must get the R2 message only; got:\n  ${c.rec.describe()}`);
  // `target` narrows delivery within the room: {user_id} to that user only (not even
  // the sender), {role} to the members holding that role.
  const roleOfAll = a.rec.all('connect_response')[0].roles[0];
  const tu = await a.ack('room_message', { room: R1, content: 'for bob only', target: { user_id: 'bob' } });
  assert.equal(tu?.ok, true, `targeted room_message ack: ${JSON.stringify(tu)}`);
  a.socket.emit('room_message', { room: R1, content: 'for nobody', target: { role: 'qc-conformance-no-such-role' } });
  if (roleOfAll !== undefined) {
    a.socket.emit('room_message', { room: R1, content: 'for a role', target: { role: roleOfAll } });
  }
  a.socket.emit('room_message', { room: R1, content: 'fence' });
  await b.rec.waitFor('room_message', (d) => d?.content === 'for bob only');
  await a.rec.waitFor('room_message', (d) => d?.content === 'fence');
  await b.rec.waitFor('room_message', (d) => d?.content === 'fence');
  await sleep(QUIET_MS);
  assert.equal(a.rec.count('room_message', (d) => d?.content === 'for bob only'), 0,
    `target {user_id:"bob"} reached the sender alice: ${a.rec.describe()}`);
  for (const x of [a, b]) {
    assert.equal(x.rec.count('room_message', (d) => d?.content === 'for nobody'), 0,
      `target {role:<nobody's>} reached ${x.name}: ${x.rec.describe()}`);
    if (roleOfAll !== undefined) {
      assert.equal(x.rec.count('room_message', (d) => d?.content === 'for a role'), 1,
        `target {role:"${roleOfAll}"} (a role every header-mode user has) must reach ${x.name} once: ${x.rec.describe()}`);
    }
  }
  assert.equal(c.rec.count('room_message', (d) => d?.room_id === R1), 0,
    `carol (not in ${R1}) got a targeted ${R1} message: ${c.rec.describe()}`);

  for (const x of [a, b, c]) {
    assert.equal(x.rec.count('error'), 0, `${x.name} got an error event: ${x.rec.describe()}`);
  }
});

test('acks and replies: subscribe, unsubscribe, ping, request', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const env = await setup(t);
  const ROOM = 'acks_room';
  const a = await env.sio('alice', { header: 'alice' });
  const b = await env.sio('bob', { header: 'bob' });

  const subA = await a.ack('subscribe', { room: ROOM });
  assertFields(subA, { room: ROOM, status: 'subscribed', members: 1, ok: true }, 'subscribe ack (first member)');
  const subB = await b.ack('subscribe', { room: ROOM });
  assertFields(subB, { room: ROOM, status: 'subscribed', members: 2, ok: true }, 'subscribe ack (second member)');
  assertAckMirrors(subB, await b.rec.waitFor('subscribed', (d) => d?.room === ROOM), 'subscribe');

  // subscribing again is idempotent: still two members, nobody told twice
  const subA2 = await a.ack('subscribe', { room: ROOM });
  assertFields(subA2, { room: ROOM, status: 'subscribed', members: 2, ok: true }, 'repeated subscribe');

  // request list_rooms / get_subscriptions
  const lr = await a.ack('request', { type: 'request', request_id: 'req-1', action: 'list_rooms' });
  const lrEv = await a.rec.waitFor('response', (d) => d?.request_id === 'req-1');
  assert.equal(lrEv.type, 'response');
  assert.equal(lrEv.success, true);
  assert.ok('data' in lrEv, `response must carry data: ${JSON.stringify(lrEv)}`);
  assertMillis(lrEv.timestamp, 'response.timestamp');
  assertMillis(lrEv.server_time, 'response.server_time');
  assert.ok(mentions(lrEv.data, ROOM), `list_rooms data must list ${ROOM}: ${JSON.stringify(lrEv.data)}`);
  assertAckMirrors(lr, lrEv, 'request list_rooms');

  const gs = await a.ack('request', { type: 'request', request_id: 'req-2', action: 'get_subscriptions', trace_id: 'trace-xyz' });
  const gsEv = await a.rec.waitFor('response', (d) => d?.request_id === 'req-2');
  assert.equal(gsEv.type, 'response');
  assert.equal(gsEv.success, true);
  assert.equal(gsEv.trace_id, 'trace-xyz', 'trace_id is echoed in the response');
  assertMillis(gsEv.timestamp, 'response.timestamp');
  assertMillis(gsEv.server_time, 'response.server_time');
  assert.ok(mentions(gsEv.data, ROOM), `get_subscriptions data must list ${ROOM}: ${JSON.stringify(gsEv.data)}`);
  assertAckMirrors(gs, gsEv, 'request get_subscriptions');

  // ping
  const pong = await a.ack('ping', { timestamp: Date.now() });
  const pongEv = await a.rec.waitFor('pong');
  assertHasKeys(pongEv, ['type', 'timestamp', 'server_time'], 'pong');
  assert.equal(pongEv.type, 'pong');
  assertMillis(pongEv.timestamp, 'pong.timestamp');
  assertMillis(pongEv.server_time, 'pong.server_time');
  assertAckMirrors(pong, pongEv, 'ping');

  // unsubscribe: ack + unsubscribed to the sender, room_member_left to the rest
  const unsub = await b.ack('unsubscribe', { room: ROOM });
  assertFields(unsub, { room: ROOM, status: 'unsubscribed', ok: true }, 'unsubscribe ack');
  assertAckMirrors(unsub, await b.rec.waitFor('unsubscribed', (d) => d?.room === ROOM), 'unsubscribe');
  const left = await a.rec.waitFor('room_member_left', (d) => d?.room === ROOM);
  assert.equal(left.sid, b.socket.id);
  assert.equal(left.user_id, 'bob');
  assertMillis(left.timestamp, 'room_member_left.timestamp');
  await sleep(QUIET_MS);
  assert.equal(b.rec.count('room_member_left'), 0, `bob must not be told of his own leave: ${b.rec.describe()}`);

  // after leaving, bob no longer gets the room's messages
  a.socket.emit('room_message', { room: ROOM, content: 'after bob left' });
  await a.rec.waitFor('room_message', (d) => d?.content === 'after bob left');
  await sleep(QUIET_MS);
  assert.equal(b.rec.count('room_message'), 0, `bob left ${ROOM} but still got its messages: ${b.rec.describe()}`);

  // and get_subscriptions no longer lists it for him
  await b.ack('request', { type: 'request', request_id: 'req-3', action: 'get_subscriptions' });
  const gsB = await b.rec.waitFor('response', (d) => d?.request_id === 'req-3');
  assert.equal(gsB.success, true);
  assert.ok(!mentions(gsB.data, ROOM), `bob's subscriptions still list ${ROOM}: ${JSON.stringify(gsB.data)}`);
  for (const x of [a, b]) assert.equal(x.rec.count('error'), 0, `${x.name} got an error event: ${x.rec.describe()}`);
});

test('errors: bad payloads, foreign rooms, unknown events and actions', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const env = await setup(t);
  const a = await env.sio('alice', { header: 'alice' });
  const b = await env.sio('bob', { header: 'bob' });
  await b.ack('subscribe', { room: 'bobs_room' });

  let errorsSeen = 0;
  const expectError = async (what, event, payload, code) => {
    const ack = await a.ack(event, payload);
    assertErrorAck(ack, code, `${what} (ack)`);
    errorsSeen += 1;
    await a.rec.waitFor('error', () => a.rec.count('error') >= errorsSeen)
      .catch(() => assert.fail(`${what}: expected an 'error' event; received:\n  ${a.rec.describe()}`));
    const ev = a.rec.all('error')[errorsSeen - 1];
    assertErrorObject(ev, code, `${what} (error event)`);
    const { ok, ...rest } = ack;
    assert.deepEqual(rest, ev, `${what}: the ack must be the error object plus "ok":false`);
  };

  await expectError('subscribe {}', 'subscribe', {}, 'INVALID_PARAMETERS');
  await expectError('subscribe "bad room!"', 'subscribe', { room: 'bad room!' }, 'INVALID_PARAMETERS');
  await expectError('subscribe with a 129-char name', 'subscribe', { room: 'r'.repeat(129) }, 'INVALID_PARAMETERS');
  await expectError('subscribe with a non-string room', 'subscribe', { room: 42 }, 'INVALID_PARAMETERS');
  await expectError('room_message to a room not joined', 'room_message', { room: 'bobs_room', content: 'hi' }, 'ROOM_NOT_FOUND');
  await expectError('room_message to a room that does not exist', 'room_message', { room: 'nowhere', content: 'hi' }, 'ROOM_NOT_FOUND');
  await expectError('unknown event foo', 'foo', { x: 1 }, 'INVALID_ACTION');

  // an unknown event without an ack gets the error event too
  a.socket.emit('foo', {});
  errorsSeen += 1;
  await a.rec.waitFor('error', () => a.rec.count('error') >= errorsSeen);
  assertErrorObject(a.rec.all('error')[errorsSeen - 1], 'INVALID_ACTION', 'unknown event foo without ack');

  // request with an unknown action: a `response` carrying an error object
  const rq = await a.ack('request', { type: 'request', request_id: 'bad-1', action: 'no_such_action' });
  const rqEv = await a.rec.waitFor('response', (d) => d?.request_id === 'bad-1');
  assert.equal(rqEv.type, 'error', `response to an unknown action: ${JSON.stringify(rqEv)}`);
  assert.equal(rqEv.error_code, 'INVALID_ACTION');
  assert.equal(typeof rqEv.error_message, 'string', 'response error carries error_message');
  assert.equal(rq.ok, false, `ack of a failed request must have ok:false: ${JSON.stringify(rq)}`);
  assert.equal(rq.error_code, 'INVALID_ACTION');

  // nothing was created, bob saw nothing of it, alice is still connected and served
  await sleep(QUIET_MS);
  await a.ack('request', { type: 'request', request_id: 'lr', action: 'list_rooms' });
  const lr = await a.rec.waitFor('response', (d) => d?.request_id === 'lr');
  assert.ok(!mentions(lr.data, 'bad room!'), `an invalid room was created: ${JSON.stringify(lr.data)}`);
  assert.equal(b.rec.count('room_message'), 0, `bob got alice's rejected message: ${b.rec.describe()}`);
  assert.equal(b.rec.count('error'), 0, `bob got alice's errors: ${b.rec.describe()}`);
  assert.ok(a.socket.connected, 'alice must still be connected after the bad payloads');
  const pong = await a.ack('ping', {});
  assert.equal(pong.ok, true);
  assert.equal(pong.type, 'pong');
});

test('plain JSON /ws endpoint', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const env = await setup(t);
  const w = await env.ws('ws-dave', { query: '?user_id=dave' });

  const first = await w.rec.waitFor('connect_response');
  assert.equal(w.rec.events[0].event, 'connect_response',
    `the first server message must be connect_response; got:\n  ${w.rec.describe()}`);
  assert.match(w.raw[0], /^\s*\{/, 'server messages are JSON text frames');
  assertConnectResponse(first, { userId: 'dave' });

  // subscribe with an id: ack + subscribed event
  w.sendJson({ event: 'subscribe', data: { room: 'r1' }, id: 7 });
  const ack = await w.rec.waitFor('#ack', (m) => m.ack === 7);
  assertHasKeys(ack, ['ack', 'data'], '/ws ack message');
  assertFields(ack.data, { room: 'r1', status: 'subscribed', members: 1, ok: true }, '/ws subscribe ack');
  const sub = await w.rec.waitFor('subscribed', (d) => d?.room === 'r1');
  assertAckMirrors(ack.data, sub, '/ws subscribe');

  // a Socket.IO client in the same room: both transports share rooms
  const s = await env.sio('erin', { header: 'erin' });
  const ackS = await s.ack('subscribe', { room: 'r1' });
  assert.equal(ackS.members, 2, `the /ws member counts in the room: ${JSON.stringify(ackS)}`);
  const joined = await w.rec.waitFor('room_member_joined', (d) => d?.room === 'r1');
  assert.equal(joined.user_id, 'erin');
  s.socket.emit('room_message', { room: 'r1', content: 'to ws' });
  const msg = await w.rec.waitFor('room_message', (d) => d?.content === 'to ws');
  assert.equal(msg.room_id, 'r1');
  assert.equal(msg.sender_id, 'erin');
  assert.equal(msg.message_type, 'text');

  // malformed JSON: an error event, and the connection stays open
  w.sendRaw('{"event": "subscribe", "data": ');
  const err = await w.rec.waitFor('error');
  assertErrorObject(err, 'INVALID_MESSAGE_FORMAT', '/ws malformed JSON');
  await sleep(QUIET_MS);
  assert.equal(w.ws.readyState, w.ws.OPEN, 'the /ws connection must stay open after malformed JSON');

  // ... and still serves requests
  const pong = await w.request('ping', {}, 8);
  assert.equal(pong.data.type, 'pong');
  assert.equal(pong.data.ok, true);
  w.sendJson({ event: 'room_message', data: { room: 'r1', content: 'from ws' } });
  const back = await s.rec.waitFor('room_message', (d) => d?.content === 'from ws');
  assert.equal(back.sender_id, 'dave');

  // error ack on /ws
  const bad = await w.request('subscribe', { room: 'bad room!' }, 9);
  assertErrorAck(bad.data, 'INVALID_PARAMETERS', '/ws subscribe "bad room!"');
  assert.equal(w.rec.count('#unparseable'), 0, `every /ws message must be JSON: ${w.raw.join('\n')}`);
});

after(() => {
  // Every test stopped its broker; nothing may be left running.
  assert.deepEqual(runningBrokers(), [], 'broker processes left behind');
});
