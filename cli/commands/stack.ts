import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../deploy/config.js';
import { down, logFile, status, up, SERVICE_NAMES, type ServiceName } from '../../deploy/stack/index.js';
import { UsageError } from '../usage.js';

function services(names: string[]): ServiceName[] {
  const bad = names.filter((n) => !(SERVICE_NAMES as string[]).includes(n));
  if (bad.length) throw new UsageError(`unknown service ${bad.map((b) => JSON.stringify(b)).join(', ')}; services are: ${SERVICE_NAMES.join(', ')}`);
  return names as ServiceName[];
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n');
}

export async function stackUp(only: ServiceName[] = []): Promise<void> {
  const c = loadConfig();
  const results = await up(c, { only });
  printTable(['service', 'state', 'ready after', 'endpoint'], results.map((r) => [r.service, r.state, `${r.seconds.toFixed(1)}s`, r.endpoint]));
  process.stdout.write(`\nTemporal UI: ${c.temporal.uiUrl}\nState: ${c.stateDir}   Cache: ${c.cacheDir}\n`);
}

export function registerStack(program: Command): void {
  const stack = program.command('stack').description('the local stack of real services (Temporal, Kafka, S3, Nessie, Trino), without Docker');

  stack
    .command('up')
    .description('install (cached) and start the services, wait until each answers a real probe; idempotent')
    .argument('[services...]', `subset of: ${SERVICE_NAMES.join(', ')}`)
    .action(async (names: string[]) => stackUp(services(names)));

  stack
    .command('status')
    .description('show each service as healthy or not, with endpoint, pid and memory; exits 1 if any is unhealthy')
    .argument('[services...]', `subset of: ${SERVICE_NAMES.join(', ')}`)
    .option('--json', 'print JSON instead of a table')
    .action(async (names: string[], opts: { json?: boolean }) => {
      const st = await status(loadConfig(), services(names));
      if (opts.json) process.stdout.write(JSON.stringify(st, null, 2) + '\n');
      else {
        printTable(['service', 'health', 'pid', 'rss', 'endpoint', 'detail'], st.map((s) => [
          s.service, s.healthy ? 'healthy' : 'UNHEALTHY', s.pid ? String(s.pid) : '-',
          s.rssBytes ? `${Math.round(s.rssBytes / 2 ** 20)} MiB` : '-', s.endpoint, s.detail,
        ]));
        const total = st.reduce((a, s) => a + (s.rssBytes ?? 0), 0);
        process.stdout.write(`\ntotal memory (RSS): ${Math.round(total / 2 ** 20)} MiB\n`);
      }
      if (st.some((s) => !s.healthy)) process.exitCode = 1;
    });

  stack
    .command('down')
    .description('stop exactly the processes the stack started (data is kept)')
    .argument('[services...]', `subset of: ${SERVICE_NAMES.join(', ')}`)
    .action(async (names: string[]) => {
      const res = await down(loadConfig(), services(names));
      printTable(['service', 'result'], res.map((r) => [r.service, r.result]));
    });

  stack
    .command('logs')
    .description("print the end of a service's log")
    .argument('<service>', SERVICE_NAMES.join(' | '))
    .option('-n, --lines <n>', 'how many lines', '100')
    .option('-f, --follow', 'keep printing as the log grows')
    .action(async (name: string, opts: { lines: string; follow?: boolean }) => {
      const [svc] = services([name]);
      const n = Number(opts.lines);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--lines must be a positive integer, got ${JSON.stringify(opts.lines)}`);
      const file = logFile(loadConfig(), svc!);
      if (!existsSync(file)) throw new UsageError(`${svc} has no log yet (${file}): run \`floe stack up\` first`);
      if (opts.follow) {
        await new Promise<void>((resolve) => spawn('tail', ['-n', String(n), '-f', file], { stdio: 'inherit' }).on('exit', () => resolve()));
      } else {
        process.stdout.write(readFileSync(file, 'utf8').split('\n').slice(-n - 1).join('\n'));
      }
    });
}
