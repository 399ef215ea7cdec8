// The docs under /docs/ of the dashboard: built into <state dir>/docs on the first request (and
// again when a minute old, for fresh check results), then served as static files from there.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FloeConfig } from '../deploy/config.js';
import { buildDocs } from './site.js';
import { fetchCheckResults } from './results.js';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const REBUILD_AFTER_MS = 60_000;

export interface DocsRoute {
  /** True when the request is for /docs or below: then `serve` answers it. */
  matches(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function docsRoute(config: FloeConfig, dir = join(config.stateDir, 'docs')): DocsRoute {
  const outDir = resolve(dir);
  let built: { at: number; done: Promise<void> } | undefined;
  const ensureBuilt = (): Promise<void> => {
    if (!built || Date.now() - built.at > REBUILD_AFTER_MS) {
      const done = fetchCheckResults(config).then((r) => buildDocs(config, outDir, r)).then(() => undefined);
      // A failed build is retried by the next request rather than remembered.
      done.catch(() => (built = undefined));
      built = { at: Date.now(), done };
    }
    return built.done;
  };
  const pathOf = (req: IncomingMessage): string => new URL(req.url ?? '/', 'http://dashboard').pathname;
  return {
    matches: (req) => req.method === 'GET' && (pathOf(req) === '/docs' || pathOf(req).startsWith('/docs/')),
    async serve(req, res) {
      const path = pathOf(req);
      if (path === '/docs') return void res.writeHead(301, { location: '/docs/' }).end();
      await ensureBuilt();
      const rel = decodeURIComponent(path.slice('/docs/'.length)) || 'index.html';
      const file = normalize(join(outDir, rel));
      if (!file.startsWith(outDir + sep)) return void res.writeHead(404).end();
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' }).end(body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    },
  };
}
