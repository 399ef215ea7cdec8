// The dashboard shell: navigation from the server's page list, hash routing (#/<page>), and a
// poll loop that re-renders the current page every few seconds. Each page is a module in
// pages/<id>.js exporting `render(root, api)`, called on every refresh with a fresh fetch helper.
const nav = document.getElementById('nav');
const root = document.getElementById('page');
const status = document.getElementById('status');

let pages = [];
let refreshMs = 3000;
let timer;
let generation = 0;

async function api(path) {
  const res = await fetch(path, { cache: 'no-store' });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || `${path}: HTTP ${res.status}`);
  return body;
}

function current() {
  const id = location.hash.replace(/^#\/?/, '').split('?')[0] || pages[0].id;
  return pages.find((p) => p.id === id) || pages[0];
}

/** Parameters after the page in the hash (`#/fleet?device=ID`), for drill-downs. */
function hashParams() {
  const h = location.hash;
  return new URLSearchParams(h.includes('?') ? h.slice(h.indexOf('?') + 1) : '');
}

async function refresh() {
  const mine = ++generation;
  clearTimeout(timer);
  const page = current();
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.page === page.id);
  try {
    const mod = await import(`./pages/${page.id}.js`);
    await mod.render(root, (name, params) => api(`/api/${page.id}/${name}${params && String(params) ? `?${params}` : ''}`), { page: page.id, fresh: root.dataset.page !== page.id, params: hashParams() });
    root.dataset.page = page.id;
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    status.classList.remove('error');
  } catch (e) {
    status.textContent = `${page.title}: ${e.message}`;
    status.classList.add('error');
  }
  if (mine === generation) timer = setTimeout(refresh, refreshMs);
}

async function start() {
  const meta = await api('/api/pages');
  pages = meta.pages;
  refreshMs = Number(new URLSearchParams(location.search).get('refresh')) || meta.refreshMs;
  nav.innerHTML = pages.map((p) => `<a href="#/${p.id}" data-page="${p.id}">${p.title}</a>`).join('');
  window.addEventListener('hashchange', () => {
    root.innerHTML = '';
    delete root.dataset.page;
    refresh();
  });
  await refresh();
}

start().catch((e) => {
  status.textContent = e.message;
  status.classList.add('error');
});
