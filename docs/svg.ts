// The lineage graph as inline SVG: a layered layout, one column per depth (topics, RAW, SILVER,
// GOLD, ...), nodes ordered by their inputs' rows within a column, edges as curves from an input's right
// edge to its reader's left edge. Each edge carries data-from/data-to, each node data-node, so
// the page states its lineage in a form tests (and people) can read back.
import { depths, type LineageGraph } from './graph.js';

const NODE_W = 230;
const NODE_H = 34;
const COL_GAP = 70;
const ROW_GAP = 14;
const PAD = 12;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** `href(id)` links a table node to its page (topics get no link). */
export function lineageSvg(g: LineageGraph, href: (id: string) => string | undefined): string {
  const depth = depths(g);
  const columns: string[][] = [];
  for (const n of g.nodes) (columns[depth.get(n.id)!] ??= []).push(n.id);
  // Fewer crossings: each column after the first ordered by the mean row of its nodes' inputs.
  const rowOf = new Map<string, number>();
  columns.forEach((ids, col) => {
    if (col > 0) {
      const mean = (id: string): number => {
        const rows = g.edges.filter((e) => e.to === id).map((e) => rowOf.get(e.from) ?? 0);
        return rows.reduce((a, b) => a + b, 0) / Math.max(1, rows.length);
      };
      ids.sort((a, b) => mean(a) - mean(b));
    }
    ids.forEach((id, row) => rowOf.set(id, row));
  });
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((ids, col) => ids.forEach((id, row) => pos.set(id, { x: PAD + col * (NODE_W + COL_GAP), y: PAD + row * (NODE_H + ROW_GAP) })));
  const width = PAD * 2 + columns.length * NODE_W + (columns.length - 1) * COL_GAP;
  const height = PAD * 2 + Math.max(...columns.map((c) => c.length)) * (NODE_H + ROW_GAP) - ROW_GAP;
  const edges = g.edges.map((e) => {
    const a = pos.get(e.from)!;
    const b = pos.get(e.to)!;
    const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2];
    const mid = (x1 + x2) / 2;
    return `<path class="edge" data-from="${escapeHtml(e.from)}" data-to="${escapeHtml(e.to)}" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" marker-end="url(#arrow)"><title>${escapeHtml(`${e.to} reads ${e.from}`)}</title></path>`;
  });
  const nodes = g.nodes.map((n) => {
    const p = pos.get(n.id)!;
    const box = `<rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="6"/><text x="${p.x + 10}" y="${p.y + NODE_H / 2 + 5}">${escapeHtml(n.label)}</text>`;
    const link = href(n.id);
    const inner = link ? `<a href="${escapeHtml(link)}">${box}</a>` : box;
    return `<g class="node ${n.kind}" data-node="${escapeHtml(n.id)}">${inner}</g>`;
  });
  return [
    `<svg class="lineage" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="lineage graph">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ...edges,
    ...nodes,
    '</svg>',
  ].join('\n');
}

/** The edges a page's SVG declares, read back from its data-from/data-to attributes. */
export function edgesInPage(html: string): { from: string; to: string }[] {
  return [...html.matchAll(/<path class="edge" data-from="([^"]+)" data-to="([^"]+)"/g)].map((m) => ({ from: m[1]!, to: m[2]! }));
}
