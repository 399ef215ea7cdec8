// Small helpers the pages share: escaping, tables, cards, and echarts instances kept per element.
export function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** A table from rows of cells; a cell is text, or { html } for trusted markup, or { num }. */
export function table(header, rows, empty = 'none') {
  if (!rows.length) return `<p class="muted">${esc(empty)}</p>`;
  const cell = (c) => (c && typeof c === 'object' ? ('html' in c ? `<td>${c.html}</td>` : `<td class="num">${esc(c.num)}</td>`) : `<td>${esc(c)}</td>`);
  return `<div class="scroll"><table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table></div>`;
}

/** Ensures the page's card skeleton once (ids are stable), so charts survive refreshes. */
export function layout(root, fresh, cards) {
  if (!fresh && root.querySelector(`#${cards[0].id}`)) return;
  root.innerHTML = cards.map((c) => `<section class="card${c.wide ? ' wide' : ''}" id="${c.id}"><h2>${esc(c.title)}</h2><div class="body"></div>${c.chart ? '<div class="chart"></div>' : ''}</section>`).join('');
}

export function body(id) {
  return document.querySelector(`#${id} .body`);
}

const charts = new WeakMap();
export function chart(id, option) {
  const el = document.querySelector(`#${id} .chart`);
  let c = charts.get(el);
  if (!c) {
    c = window.echarts.init(el, null, { renderer: 'canvas' });
    charts.set(el, c);
    window.addEventListener('resize', () => c.resize());
  }
  c.setOption(option, true);
}

export function sev(s) {
  return { html: `<span class="sev ${esc(s)}">${esc(s)}</span>` };
}

export function time(iso) {
  return iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}
