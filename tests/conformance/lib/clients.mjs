// Client helpers for the conformance checks: the official socket.io-client, and a
// plain WebSocket client for /ws, both recording every event they receive so that a
// check can wait for an event or assert that one never came.

import { io } from 'socket.io-client';
import WebSocket from 'ws';

export const QUIET_MS = 300; // how long "nothing more arrives" is watched for
export const WAIT_MS = 5_000; // how long an expected event is waited for

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Records received events ({event, data}) and lets a check wait for them. */
export class Recorder {
  constructor(name) {
    this.name = name;
    this.events = [];
    this.waiters = new Set();
  }

  push(event, data) {
    const rec = { event, data, at: Date.now() };
    this.events.push(rec);
    for (const w of [...this.waiters]) {
      if (w.match(rec)) {
        this.waiters.delete(w);
        w.resolve(rec.data);
      }
    }
  }

  /** All payloads of `event` received so far that satisfy `pred`. */
  all(event, pred = () => true) {
    return this.events.filter((e) => e.event === event && pred(e.data)).map((e) => e.data);
  }

  count(event, pred) {
    return this.all(event, pred).length;
  }

  /** Resolves with the first payload of `event` satisfying `pred` (already received or future). */
  waitFor(event, pred = () => true, timeoutMs = WAIT_MS) {
    const match = (rec) => rec.event === event && pred(rec.data);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen.data);
    return new Promise((resolve, reject) => {
      const w = { match, resolve };
      this.waiters.add(w);
      // unref: a timer that is not needed any more must not keep node running.
      setTimeout(() => {
        if (this.waiters.delete(w)) {
          const got = this.events.map((e) => `${e.event} ${JSON.stringify(e.data)}`).join('\n  ');
          reject(new Error(`${this.name}: no '${event}' event matching ${pred} within ${timeoutMs} ms; ` +
            `received:\n  ${got || '(nothing)'}`));
        }
      }, timeoutMs).unref();
    });
  }

  describe() {
    return this.events.map((e) => `${e.event} ${JSON.stringify(e.data)}`).join('\n  ') || '(nothing)';
  }
}

/**
 * Connects the official socket.io-client over WebSocket.
 * identity: {header: 'alice'} sends X-User-Id, {query: 'bob'} sends ?user_id=, {} sends none.
 * Resolves once the Socket.IO CONNECT succeeded; every event received (including
 * those before 'connect') is in `client.rec`.
 */
export async function connectSio(url, { name = 'client', header, query } = {}) {
  const opts = {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    autoConnect: false,
    timeout: WAIT_MS,
  };
  if (header !== undefined) opts.extraHeaders = { 'X-User-Id': header };
  if (query !== undefined) opts.query = { user_id: query };
  const socket = io(url, opts);
  const rec = new Recorder(name);
  socket.onAny((event, ...args) => rec.push(event, args[0]));
  const connected = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', (e) => reject(new Error(`${name}: connect_error: ${e.message}`)));
  });
  socket.connect();
  await connected;
  return {
    name,
    socket,
    rec,
    /** emit with a Socket.IO ack; resolves with the ack value. */
    ack: (event, data) => socket.timeout(WAIT_MS).emitWithAck(event, data),
    close: () => socket.disconnect(),
  };
}

/**
 * Connects a plain WebSocket client to `<wsUrl>/ws<query>`. `rec` records server
 * messages {event,data} under their event name, acks {ack,data} as '#ack', the
 * connection's end as '#close', and anything that is not JSON as '#unparseable'.
 */
export async function connectWs(wsUrl, { name = 'ws', query = '', headers = {} } = {}) {
  const ws = new WebSocket(`${wsUrl}/ws${query}`, { headers });
  const rec = new Recorder(name);
  const raw = [];
  ws.on('message', (buf, isBinary) => {
    const text = isBinary ? buf : buf.toString('utf8');
    raw.push(text);
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      rec.push('#unparseable', text);
      return;
    }
    if (msg && typeof msg === 'object' && 'ack' in msg) rec.push('#ack', msg);
    else if (msg && typeof msg === 'object' && typeof msg.event === 'string') rec.push(msg.event, msg.data);
    else rec.push('#other', msg);
  });
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => {
    rec.push('#close', { code, reason: String(reason) });
    resolve({ code, reason: String(reason) });
  }));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', (e) => reject(new Error(`${name}: ${e.message}`)));
  });
  return {
    name,
    ws,
    rec,
    raw,
    closed,
    sendJson: (obj) => ws.send(JSON.stringify(obj)),
    sendRaw: (text) => ws.send(text),
    /** Sends {event,data,id} and resolves with the ack message {ack:id,data}. */
    request: (event, data, id) => {
      ws.send(JSON.stringify({ event, data, id }));
      return rec.waitFor('#ack', (m) => m.ack === id);
    },
    close: () => { ws.close(); return closed; },
  };
}
