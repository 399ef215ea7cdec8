import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../deploy/config.js';

export function registerDocs(program: Command): void {
  const docs = program.command('docs').description('documentation of the tables, checks, lineage and saved queries');
  docs
    .command('build')
    .description('generate the static docs site (HTML + CSS, no CDN); check results come from Trino when it is up')
    .option('--out <dir>', 'output directory (default: <FLOE_STATE_DIR>/docs)')
    .action(async (opts: { out?: string }) => {
      const config = loadConfig();
      const { buildDocs } = await import('../../docs/site.js');
      const { fetchCheckResults } = await import('../../docs/results.js');
      const outDir = resolve(opts.out ?? join(config.stateDir, 'docs'));
      const results = await fetchCheckResults(config);
      const site = await buildDocs(config, outDir, results);
      process.stdout.write(`floe docs: ${site.tables.length} tables, ${site.graph.edges.length} lineage edges, ${site.files.length} files -> ${join(outDir, 'index.html')}\n`);
      if (!results.available) process.stdout.write(`check results unavailable (the docs say so): ${results.reason}\n`);
    });
}
