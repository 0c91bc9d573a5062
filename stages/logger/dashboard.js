// dashboard.js - the page at GET /: polls GET /api/state and redraws in
// place. Every string from the log goes into the page as text
// (textContent), never as markup: a container may name itself anything.
'use strict';

const POLL_MS = 2000;		// the figures
const GRAPH_MS = 10000;		// the graphs at most this often (gnuplot draws them)
let host = null;		// the host shown; null: the first
let graphBytes = -1, graphAt = 0;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function mib(kb) { return (kb / 1024).toFixed(1); }
function hostLabel(h) { return h === '' ? 'this host' : h; }

function fillRows(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function showHosts(hosts) {
  const pick = document.getElementById('host');
  const names = hosts.map(h => h.host);
  if (host === null || !names.includes(host)) host = names.length ? names[0] : null;
  document.getElementById('hostpick').hidden = names.length < 2;
  const have = Array.from(pick.options).map(o => o.value);
  if (have.join('\n') !== names.join('\n')) {
    pick.replaceChildren(...names.map(n => {
      const o = el('option', hostLabel(n));
      o.value = n;
      return o;
    }));
  }
  pick.value = host === null ? '' : host;
}

function showMemory(h) {
  const bar = document.getElementById('membar');
  const m = h && h.mem;
  if (!m) {
    bar.style.width = '0';
    document.getElementById('memtext').textContent = 'no mem line yet';
    document.getElementById('psi').textContent = '';
    document.getElementById('age').textContent = '';
    return;
  }
  bar.style.width = Math.min(100, Math.max(0, m.used_pct)) + '%';
  bar.classList.toggle('hot', m.used_pct >= 90);
  document.getElementById('memtext').textContent =
    m.used_pct.toFixed(1) + '% used: ' + mib(m.used_kb) + ' of ' + mib(m.total_kb) + ' MiB';
  document.getElementById('psi').textContent =
    m.psi ? '· pressure ' + m.psi.some_avg10.toFixed(2) + '% (some, 10 s)' : '';
  document.getElementById('age').textContent =
    '· last snapshot ' + Math.max(0, h.age_s).toFixed(0) + ' s ago';
}

function showRank(h) {
  const r = h && h.rank;
  const tbody = document.querySelector('#rank tbody');
  document.getElementById('rankinfo').textContent =
    r ? '(seq ' + r.seq + ', by ' + r.by + (r.omitted ? ', ' + r.omitted + ' not shown' : '') + ')' : '';
  if (!r) { fillRows(tbody, []); return; }
  fillRows(tbody, r.containers.map(c => {
    const tr = el('tr', null, c.fate);
    tr.dataset.id = c.id;
    tr.append(el('td', c.name || c.id.slice(0, 12), 'name'), el('td', c.image),
      el('td', c.class, 'class'), el('td', c.fate, 'fate'), el('td', c.procs, 'num'),
      el('td', mib(c.rss_kb), 'num'), el('td', mib(c.vsz_kb), 'num'),
      el('td', c.mem_pct.toFixed(1), 'num'), el('td', c.cpu_pct.toFixed(1), 'num'));
    return tr;
  }));
}

function showKills(recent) {
  const tbody = document.querySelector('#kills tbody');
  fillRows(tbody, recent.map(k => {
    const tr = el('tr');
    const when = new Date(k.ts * 1000).toISOString().slice(11, 19);
    const outcome = k.ok ? 'killed (' + k.status + ')' :
      'failed (' + k.status + (k.error ? ': ' + k.error : '') + ')';
    tr.append(el('td', when), el('td', hostLabel(k.host)), el('td', k.name || k.id.slice(0, 12), 'name'),
      el('td', k.class), el('td', k.reason, 'reason'), el('td', outcome, k.ok ? 'ok' : 'failed'),
      el('td', k.ms === undefined ? '' : k.ms.toFixed(1), 'num'));
    return tr;
  }));
}

// Graphs: a new picture only when the log grew, and not more often than
// GRAPH_MS; the old one stays until the new one has loaded (no flicker).
function showGraphs(bytes) {
  const now = Date.now();
  if (bytes === graphBytes || now - graphAt < GRAPH_MS) return;
  graphBytes = bytes;
  graphAt = now;
  for (const [id, path] of [['graph-ram', '/graph'], ['graph-vsz', '/scatter_vsz_rss']]) {
    const img = new Image();
    img.onload = () => { document.getElementById(id).src = img.src; };
    img.src = path + '?v=' + bytes;
  }
}

let last = null;
function render() {
  const s = last;
  if (!s) return;
  showHosts(s.hosts);
  const h = s.hosts.find(x => x.host === host) || null;
  showMemory(h);
  showRank(h);
  showKills(s.recent.filter(k => s.hosts.length < 2 || k.host === host));
  showGraphs(s.log.bytes);
  const st = document.getElementById('status');
  st.textContent = s.log.records + ' records · updated ' + new Date(s.now * 1000).toISOString().slice(11, 19);
  st.className = '';
  document.body.dataset.ready = '1';
}

async function poll() {
  try {
    const r = await fetch('/api/state', { cache: 'no-store' });
    if (!r.ok) throw new Error('GET /api/state: ' + r.status);
    last = await r.json();
    render();
  } catch (e) {
    const st = document.getElementById('status');
    st.textContent = 'no answer from the logger (' + e.message + '); retrying';
    st.className = 'error';
  }
  setTimeout(poll, POLL_MS);
}

document.getElementById('host').addEventListener('change', e => { host = e.target.value; render(); });
poll();
