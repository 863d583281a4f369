// The official socket.io-client against a broker in auth.mode=jwt (issue #13's "done
// when"): it connects with `auth: {token}` as the token's sub with its roles, every
// refusal comes with its code in connect_error's data, a viewer cannot publish,
// message users or read stats, and an admin can. Tokens are signed here with Node's
// own crypto (HS256), independently of the broker's libjwt.
//
//   node --test tests/conformance/auth_check.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';

import { startBroker } from './lib/broker.mjs';
import { Recorder, WAIT_MS } from './lib/clients.mjs';

const SECRET = randomBytes(32).toString('base64url');

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

/** An HS256 JWT; `key` defaults to the broker's secret. */
function sign(claims, key = SECRET) {
  const head = b64url({ alg: 'HS256', typ: 'JWT' });
  const body = b64url(claims);
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

const now = () => Math.floor(Date.now() / 1000);
const token = (sub, roles, ttl = 600) => sign({ sub, roles, exp: now() + ttl, iat: now() });

/** A broker in jwt mode with a fresh secret file; stopped (and the file removed) after `t`. */
async function jwtBroker(t) {
  const dir = mkdtempSync(path.join(tmpdir(), 'qc-auth-check-'));
  const secretFile = path.join(dir, 'secret');
  writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  const broker = await startBroker({
    args: ['--host=127.0.0.1', '--auth.mode=jwt', `--auth.jwt-secret-file=${secretFile}`],
  });
  const sockets = [];
  t.after(async () => {
    for (const s of sockets) s.disconnect();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    /** Connects with the given CONNECT auth; resolves {socket, rec, welcome} or rejects with connect_error. */
    async connect(auth) {
      const socket = io(broker.url, {
        transports: ['websocket'], forceNew: true, reconnection: false, autoConnect: false,
        timeout: WAIT_MS, auth,
      });
      sockets.push(socket);
      const rec = new Recorder('client');
      socket.onAny((event, ...args) => rec.push(event, args[0]));
      const connected = new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      socket.connect();
      await connected;
      const welcome = await rec.waitFor('connect_response');
      return {
        socket, rec, welcome,
        ack: (event, data) => socket.timeout(WAIT_MS).emitWithAck(event, data),
      };
    },
  };
}

test('a token in the CONNECT auth makes the client its sub, with its roles', async (t) => {
  const b = await jwtBroker(t);
  const alice = await b.connect({ token: token('alice', ['viewer', 'trader']) });
  assert.equal(alice.welcome.user_id, 'alice');
  assert.deepEqual([...alice.welcome.roles].sort(), ['trader', 'viewer']);
});

test('refusals reach connect_error with their error_code', async (t) => {
  const b = await jwtBroker(t);
  const cases = [
    ['no token', {}, 'AUTH_REQUIRED'],
    ['bad signature', { token: token('alice', ['viewer']).slice(0, -2) + 'xx' }, 'AUTH_FAILED'],
    ['another secret', { token: sign({ sub: 'alice', roles: [], exp: now() + 60 }, 'x'.repeat(32)) }, 'AUTH_FAILED'],
    ['alg none', { token: `${b64url({ alg: 'none' })}.${b64url({ sub: 'alice', exp: now() + 60 })}.` }, 'AUTH_FAILED'],
    ['expired', { token: sign({ sub: 'alice', roles: ['viewer'], exp: now() - 60 }) }, 'AUTH_TOKEN_EXPIRED'],
    ['roles not strings', { token: sign({ sub: 'alice', roles: [1], exp: now() + 60 }) }, 'AUTH_FAILED'],
  ];
  for (const [what, auth, code] of cases) {
    await assert.rejects(b.connect(auth), (e) => {
      assert.equal(e.data?.error_code, code, `${what}: ${JSON.stringify(e.data)} (${e.message})`);
      return true;
    }, what);
  }
});

test('a viewer cannot publish, message users or read stats; an admin can', async (t) => {
  const b = await jwtBroker(t);
  const viewer = await b.connect({ token: token('vera', ['viewer']) });
  const admin = await b.connect({ token: token('root', ['admin']) });

  const tick = { symbol: '600519', price: 1700.5, volume: 100 };
  const refused = await viewer.ack('publish', tick);
  assert.equal(refused.ok, false);
  assert.equal(refused.error_code, 'PERMISSION_DENIED');
  const accepted = await admin.ack('publish', tick);
  assert.equal(accepted.ok, true, JSON.stringify(accepted));
  assert.equal(accepted.accepted, 1);

  const request = (action, payload) => ({ type: 'request', request_id: `${action}-1`, action, payload });
  for (const [action, payload] of [['get_stats', undefined],
    ['send_to_user', { user_id: 'root', event: 'note', data: { hi: 1 } }]]) {
    const no = await viewer.ack('request', request(action, payload));
    assert.equal(no.ok, false, `viewer ${action}: ${JSON.stringify(no)}`);
    assert.equal(no.error_code, 'PERMISSION_DENIED', `viewer ${action}`);
    const yes = await admin.ack('request', request(action, payload));
    assert.equal(yes.ok, true, `admin ${action}: ${JSON.stringify(yes)}`);
  }
  // The admin's send_to_user reached the admin's own session.
  await admin.rec.waitFor('notification');
});
