// Starts the quotecast broker binary as a child process for one check.
//
//   const broker = await startBroker({ args: ['--auth.mode=header'] });
//   ... broker.url, broker.port ...
//   await broker.stop();
//
// The binary comes from $QC_BROKER_BINARY (CTest sets it) or defaults to
// <repo>/build/apps/quotecast. It is started as
//   <binary> --port=0 --data-dir=<fresh tmp dir> [args...]
// with the repo root as working directory (so it finds conf/quotecast.ini), and is
// ready once it prints `quotecast listening on 127.0.0.1:PORT` on stdout.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BROKER_BINARY = process.env.QC_BROKER_BINARY
  ? path.resolve(REPO_ROOT, process.env.QC_BROKER_BINARY)
  : path.join(REPO_ROOT, 'build', 'apps', 'quotecast');

const READY_RE = /quotecast listening on (\[[^\]]+\]|[^\s:]+):(\d+)/;
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

// Every broker that was started and has not exited yet. The checks assert that this
// is empty at the end; the exit hook is a last resort so that nothing outlives us.
const running = new Set();
const dataDirs = new Set(); // data dirs not removed yet
process.on('exit', () => {
  for (const b of running) {
    try { b.child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  for (const d of dataDirs) {
    try { rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  }
});

/** Brokers that were started and have not exited yet (their pids). */
export function runningBrokers() {
  return [...running].map((b) => b.child.pid);
}

/**
 * @param {{args?: string[], env?: Record<string,string>, timeoutMs?: number}} [options]
 * @returns {Promise<{port:number, host:string, url:string, wsUrl:string, dataDir:string,
 *   pid:number, output:()=>string, stop:()=>Promise<{code:number|null, signal:string|null}>}>}
 */
export async function startBroker({ args = [], env = {}, timeoutMs = START_TIMEOUT_MS } = {}) {
  if (!existsSync(BROKER_BINARY)) {
    throw new Error(`broker binary not found: ${BROKER_BINARY} ` +
      '(build it, or set QC_BROKER_BINARY to its path)');
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'qc-conformance-'));
  dataDirs.add(dataDir);
  const argv = ['--port=0', `--data-dir=${dataDir}`, ...args];
  const child = spawn(BROKER_BINARY, argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const entry = { child };
  running.add(entry);
  let log = '';
  const keep = (chunk) => {
    log += chunk;
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', keep);

  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(entry);
      resolve({ code, signal });
    });
  });
  let spawnError = null;
  child.once('error', (e) => { spawnError = e; running.delete(entry); });

  const cleanup = () => {
    rmSync(dataDir, { recursive: true, force: true });
    dataDirs.delete(dataDir);
  };

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && !spawnError) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, STOP_GRACE_MS);
      const res = await exited;
      clearTimeout(timer);
      cleanup();
      return res;
    }
    cleanup();
    return spawnError ? { code: null, signal: null, error: spawnError } : exited;
  };

  // Wait for the "listening" line.
  let stdoutBuf = '';
  const ready = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ error: `no "quotecast listening on" line within ${timeoutMs} ms` }), timeoutMs);
    const onData = (chunk) => {
      keep(chunk);
      stdoutBuf += chunk;
      const m = READY_RE.exec(stdoutBuf);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.on('data', keep); // keep draining so the pipe never fills
        resolve({ host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) });
      }
    };
    child.stdout.on('data', onData);
    child.once('error', (e) => { clearTimeout(timer); resolve({ error: `cannot start ${BROKER_BINARY}: ${e.message}` }); });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      resolve({ error: `broker exited before listening (code ${code}, signal ${signal})` });
    });
  });

  if (ready.error) {
    await stop();
    throw new Error(`${ready.error}\ncommand: ${BROKER_BINARY} ${argv.join(' ')}\n--- broker output ---\n${log}`);
  }

  // The broker may bind 0.0.0.0 or ::; clients always use the loopback address.
  const host = ready.host === '0.0.0.0' ? '127.0.0.1' : ready.host === '::' ? '::1' : ready.host;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return {
    port: ready.port,
    host,
    url: `http://${hostInUrl}:${ready.port}`,
    wsUrl: `ws://${hostInUrl}:${ready.port}`,
    dataDir,
    pid: child.pid,
    output: () => log,
    stop,
  };
}
