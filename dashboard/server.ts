// `floe dashboard`: a small HTTP server serving the web app from the package (dashboard/web and
// the charting library from node_modules: no CDN) and the pages' JSON APIs (dashboard/pages.ts).
// The browser polls the APIs every few seconds; every API answer is computed on the server from
// aggregates (Kafka watermarks, snapshot summaries, Trino queries with LIMITs), never full tables.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { FloeConfig } from '../deploy/config.js';
import { createContext, type DashboardContext } from './api/context.js';
import { PAGES } from './pages.js';

const webRoot = join(dirname(fileURLToPath(import.meta.url)), 'web');
const require = createRequire(import.meta.url);
/** Vendored browser files, by URL: resolved in node_modules, served as they are. */
const VENDOR: Record<string, string> = {
  '/vendor/echarts.min.js': require.resolve('echarts/dist/echarts.min.js'),
};
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png' };

export interface DashboardServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

async function serveFile(res: ServerResponse, file: string): Promise<void> {
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}

async function handle(ctx: DashboardContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://dashboard');
  if (req.method !== 'GET') return void res.writeHead(405).end();
  if (url.pathname === '/api/pages') return json(res, 200, { pages: PAGES.map((p) => ({ id: p.id, title: p.title })), refreshMs: 3000 });
  const api = /^\/api\/([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(url.pathname);
  if (api) {
    const fn = PAGES.find((p) => p.id === api[1])?.api[api[2]!];
    if (!fn) return json(res, 404, { error: `no API ${url.pathname}` });
    try {
      return json(res, 200, await fn(ctx, url.searchParams));
    } catch (e) {
      return json(res, 502, { error: e instanceof Error ? e.message : String(e) });
    }
  }
  if (VENDOR[url.pathname]) return serveFile(res, VENDOR[url.pathname]!);
  const path = url.pathname === '/' ? '/index.html' : url.pathname;
  const file = normalize(join(webRoot, path));
  if (!file.startsWith(webRoot + sep)) return void res.writeHead(404).end();
  return serveFile(res, file);
}

export async function startDashboard(config: FloeConfig, opts: { port?: number; host?: string } = {}): Promise<DashboardServer> {
  const ctx = createContext(config);
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { error: e instanceof Error ? e.message : String(e) });
    });
  });
  const host = opts.host ?? config.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8790, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await ctx.close();
    },
  };
}
