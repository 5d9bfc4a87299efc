// A `canvass serve` of our own for the browser run: a throwaway SQLite file, a random secret,
// a free port, and a small JSON API client to set up users and surveys the way the CLI would.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const START_TIMEOUT_MS = 30_000; // a debug build opens its database and binds in under 1 s
const API_TIMEOUT_MS = 10_000;

export class Server {
  /** Starts `bin serve` and resolves once it prints its address. */
  static async start(bin) {
    const dir = await mkdtemp(join(tmpdir(), 'canvass-browser-db-'));
    // The server gets only the settings given here, whatever the caller's shell holds.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('CANVASS_')),
    );
    env.CANVASS_DB = join(dir, 'canvass.db');
    env.CANVASS_SECRET = randomBytes(32).toString('hex');
    const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new Server(child, dir);
    try {
      server.url = await server.#address();
    } catch (e) {
      await server.stop();
      e.message += server.log.length ? `; its log ends:\n${server.log.join('\n')}` : '';
      throw e;
    }
    return server;
  }

  constructor(child, dir) {
    this.child = child;
    this.dir = dir;
    this.log = []; // the last lines of stderr, shown when something fails
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.log.push(line);
      if (this.log.length > 20) this.log.shift();
    });
  }

  // The first stdout line is `canvass listening on http://ADDR (db: …)`.
  #address() {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the server printed no address in ${START_TIMEOUT_MS / 1000}s`)),
        START_TIMEOUT_MS,
      );
      const lines = createInterface({ input: this.child.stdout });
      lines.once('line', (line) => {
        clearTimeout(timer);
        const url = /http:\/\/\S+/.exec(line)?.[0];
        if (url) resolve(url);
        else reject(new Error(`no address in the server's first line: ${line}`));
      });
      this.child.once('error', (e) => {
        reject(new Error(`could not start the server: ${e.message}`));
      });
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code}) before printing its address`));
      });
    });
  }

  /** POSTs (or GETs, without a body) JSON; rejects on a non-2xx status. */
  async api(path, body, token) {
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(this.url + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text);
  }

  /** Registers a user and returns a token for them. */
  async user(email, password) {
    await this.api('/api/register/', { email, password });
    return (await this.api('/api/login/', { email, password })).token;
  }

  /** Stops the server (SIGKILL if SIGTERM is not enough) and removes its database. */
  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
