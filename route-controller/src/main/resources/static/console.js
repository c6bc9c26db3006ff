// The Weir console: reads the admin API, listens to /api/v1/events and fetches only what changed.
import { sparkline, last, format } from './sparkline.js';

const API = 'api/v1';
const PAGE = 25;
const LOAD_EVERY_MS = 5000;

const state = {
  info: null,
  seen: { routes: -1, rollouts: -1, dataplanes: -1, clusters: -1 },
  query: '',
  offset: 0,
  rolloutQuery: '',
  rolloutOffset: 0,
  page: null, // the last RoutePage
  expanded: new Set(),
  load: new Map(), // "ns/revision" -> RevisionLoad
};

const $ = (id) => document.getElementById(id);

function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

async function getJson(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
}

/** Runs `fn` once at a time; a call while it runs makes it run once more afterwards. */
function coalesced(fn) {
  let running = false;
  let again = false;
  return async function run() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        try {
          await fn();
        } catch (e) {
          say(e.message, true);
        }
      } while (again);
    } finally {
      running = false;
    }
  };
}

function say(text, bad) {
  const m = $('message');
  m.textContent = text;
  m.className = bad ? 'problem' : 'muted';
}

// ------------------------------------------------------------------------------------- routes

const loadRoutes = coalesced(async () => {
  const q = encodeURIComponent(state.query);
  const page = await getJson(`${API}/routes/search?q=${q}&offset=${state.offset}&limit=${PAGE}`);
  if (page.offset !== state.offset) state.offset = page.offset;
  state.page = page;
  renderRoutes();
});

function revisionsOf(row) {
  const traffic = row.route.status?.traffic ?? [];
  const names = [];
  for (const t of traffic) if (t.revisionName && !names.includes(t.revisionName)) names.push(t.revisionName);
  return names;
}

/** A revision's colour, from its name alone: the same in every chart, bar and list. */
function colorOf(revision) {
  let h = 0;
  for (const ch of String(revision)) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return h % 6;
}

function splitBar(row) {
  const served = new Map();
  for (const t of row.route.status?.traffic ?? []) {
    if (t.percent > 0) served.set(t.revisionName, (served.get(t.revisionName) ?? 0) + t.percent);
  }
  const parts = [...served].map(
    ([rev, pct]) =>
      `<span class="c${colorOf(rev)}" style="width:${pct}%" data-revision="${esc(rev)}" data-percent="${pct}" title="${esc(rev)} ${pct}%">${esc(rev)} ${pct}%</span>`,
  );
  return `<div class="bar">${parts.join('') || '<span class="muted">not served</span>'}</div>`;
}

function hosts(row) {
  const s = row.route.status;
  if (!s?.url) return '<span class="muted">—</span>';
  const tags = (s.traffic ?? [])
    .filter((t) => t.url)
    .map((t) => `<div><a href="${esc(t.url)}">${esc(t.url)}</a> <span class="muted">${esc(t.tag)}</span></div>`);
  return `<div><a href="${esc(s.url)}">${esc(s.url)}</a></div>${tags.join('')}`;
}

function conditions(row) {
  return (row.route.status?.conditions ?? [])
    .map(
      (c) =>
        `<span class="badge ${esc(c.status)}" title="${esc([c.reason, c.message].filter(Boolean).join(': '))}">${esc(c.type)}${c.reason ? ' · ' + esc(c.reason) : ''}</span>`,
    )
    .join(' ');
}

function conditionMessages(row) {
  return (row.route.status?.conditions ?? [])
    .filter((c) => c.message)
    .map((c) => `<div><b>${esc(c.type)}</b> ${esc(c.reason)}: ${esc(c.message)}</div>`)
    .join('');
}

function dataPlanes(row) {
  const d = row.dataPlanes;
  const cls = d.connected === 0 ? 'Unknown' : d.applied === d.connected ? 'True' : 'False';
  const per = d.clusters.map((c) => `${c.cluster} ${c.applied}/${c.connected}`).join(', ');
  return `<span class="badge ${cls} applied" title="${esc(per)}">${d.applied} of ${d.connected}</span>`;
}

function keyOf(row) {
  return `${row.cluster}/${row.namespace}/${row.name}`;
}

function renderRoutes() {
  const page = state.page;
  if (!page) return;
  const rows = [];
  for (const row of page.routes) {
    const key = keyOf(row);
    const rollout = row.rollout ? ` <span class="badge" title="governed by Rollout ${esc(row.rollout)}">rollout</span>` : '';
    rows.push(`<tr class="route" data-key="${esc(key)}">
      <td><b>${esc(row.namespace)}/${esc(row.name)}</b>${rollout}<div class="muted small">${esc(row.cluster)} · gen ${row.generation}</div></td>
      <td>${hosts(row)}</td>
      <td>${splitBar(row)}</td>
      <td>${conditions(row)}</td>
      <td>${dataPlanes(row)}</td>
      <td class="chart" data-metric="rps"></td>
      <td class="chart" data-metric="errorPercent"></td>
      <td class="chart" data-metric="p99Ms"></td>
    </tr>`);
    if (state.expanded.has(key)) {
      rows.push(`<tr class="detail" data-key="${esc(key)}"><td colspan="8">
        ${conditionMessages(row)}
        <div class="muted">data planes per cluster: ${esc(row.dataPlanes.clusters.map((c) => `${c.cluster} ${c.applied} of ${c.connected}`).join(', ') || 'none connected')}</div>
        <div class="clusters-charts" data-key="${esc(key)}"></div>
      </td></tr>`);
    }
  }
  $('routes').tBodies[0].innerHTML =
    rows.join('') || `<tr><td colspan="8" class="muted">${page.total ? 'no Route matches' : 'no Routes'}</td></tr>`;
  const to = Math.min(page.offset + page.routes.length, page.matched);
  $('route-count').textContent = page.matched
    ? `${page.offset + 1}–${to} of ${page.matched}${page.matched !== page.total ? ` (of ${page.total})` : ''}`
    : '0';
  $('prev').disabled = page.offset === 0;
  $('next').disabled = to >= page.matched;
  renderCharts();
  refreshLoad();
}

// ------------------------------------------------------------------------------------- load

const refreshLoad = coalesced(async () => {
  const page = state.page;
  if (!page || !page.routes.length) return;
  const wanted = new Set();
  for (const row of page.routes) for (const rev of revisionsOf(row)) wanted.add(`${row.namespace}/${rev}`);
  if (!wanted.size) return;
  const q = [...wanted].map((r) => `revision=${encodeURIComponent(r)}`).join('&');
  const answer = await getJson(`${API}/load?${q}&step=10`);
  state.load = new Map(answer.revisions.map((r) => [r.revision, r]));
  renderCharts();
});

function chartCell(row, metric, pick) {
  const series = revisionsOf(row).map((rev) => {
    const load = state.load.get(`${row.namespace}/${rev}`);
    const s = load ? pick(load) : null;
    return { name: rev, cls: `s${colorOf(rev)}`, values: s ? s[metric] : [] };
  });
  const unit = metric === 'rps' ? ' req/s' : metric === 'errorPercent' ? '%' : ' ms';
  const now = series
    .map((s) => `<span class="${s.cls.replace('s', 'k')}" title="${esc(s.name)}">${esc(format(last(s.values)))}</span>`)
    .join(' / ');
  return `${sparkline(series, unit)}<div class="spark-value">${now}</div>`;
}

function renderCharts() {
  const page = state.page;
  if (!page) return;
  const byKey = new Map(page.routes.map((r) => [keyOf(r), r]));
  for (const tr of document.querySelectorAll('#routes tr.route')) {
    const row = byKey.get(tr.dataset.key);
    if (!row) continue;
    for (const td of tr.querySelectorAll('td.chart')) {
      td.innerHTML = chartCell(row, td.dataset.metric, (l) => l.overall);
    }
  }
  for (const div of document.querySelectorAll('#routes .clusters-charts')) {
    const row = byKey.get(div.dataset.key);
    if (!row) continue;
    const clusters = new Set();
    for (const rev of revisionsOf(row)) {
      const load = state.load.get(`${row.namespace}/${rev}`);
      for (const c of Object.keys(load?.clusters ?? {})) clusters.add(c);
    }
    div.innerHTML =
      [...clusters]
        .sort()
        .map(
          (c) => `<div><b>${esc(c)}</b><table class="checks"><tr><th>req/s</th><th>errors %</th><th>p99 ms</th></tr><tr>
            ${['rps', 'errorPercent', 'p99Ms'].map((m) => `<td>${chartCell(row, m, (l) => l.clusters[c])}</td>`).join('')}
          </tr></table></div>`,
        )
        .join('') || '<span class="muted">no load reports in the last 15 minutes</span>';
  }
}

// ------------------------------------------------------------------------------------- rollouts

const loadRollouts = coalesced(async () => {
  const q = encodeURIComponent(state.rolloutQuery);
  const page = await getJson(`${API}/rollouts/search?q=${q}&offset=${state.rolloutOffset}&limit=${PAGE}`);
  state.rolloutOffset = page.offset;
  renderRollouts(page.rollouts);
  const to = Math.min(page.offset + page.rollouts.length, page.matched);
  $('rollout-count').textContent = page.matched
    ? `${page.offset + 1}–${to} of ${page.matched}${page.matched !== page.total ? ` (of ${page.total})` : ''}`
    : '0';
  $('rollout-prev').disabled = page.offset === 0;
  $('rollout-next').disabled = to >= page.matched;
});

/** The actions that do something in a Rollout's phase (the machine ignores the others). */
function applies(r, action) {
  if ((r.errors ?? []).length || !r.phase) return false;
  const verb = action.split('?')[0];
  switch (r.phase) {
    case 'Progressing':
      return verb === 'promote' || verb === 'pause' || verb === 'abort';
    case 'Paused':
      return verb === 'promote' || verb === 'resume' || verb === 'abort' || verb === 'retry';
    case 'RolledBack':
      return verb === 'retry';
    default:
      return false;
  }
}

function stepLabel(s) {
  if (s.setWeight != null) return `${s.setWeight}%`;
  if (s.pause) return s.pause.duration ? `pause ${s.pause.duration}` : 'pause until promote';
  return '?';
}

function timeline(r) {
  const steps = (r.steps ?? []).map(stepLabel).concat('100%');
  const current = r.step ?? -1;
  return `<ol class="steps">${steps
    .map((label, i) => {
      const cls = i === current ? 'current' : i < current ? 'done' : '';
      return `<li class="${cls}" data-step="${i}"${i === current ? ' aria-current="step"' : ''}>${esc(label)}</li>`;
    })
    .join('')}</ol>`;
}

function number(v) {
  return v == null ? '–' : format(v);
}

function verdicts(r) {
  return (r.verdicts ?? [])
    .map(
      (v) => `<div class="verdict"><span class="badge ${esc(v.verdict)}">${esc(v.verdict)}</span> <b>${esc(v.revision)}</b>
        <span class="muted">${esc(v.reason)} · window ${esc(v.window)}</span>
        <table class="checks"><tr><th>metric</th><th>cluster</th><th>value</th><th>threshold</th><th>stable</th><th>requests</th><th>outcome</th></tr>
        ${(v.checks ?? [])
          .map(
            (c) => `<tr><td>${esc(c.metric)}</td><td>${esc(c.cluster ?? 'all')}</td><td>${number(c.value)}</td><td>${number(c.threshold)}</td>
              <td>${number(c.stableValue)}</td><td>${c.requests ?? '–'}</td><td class="outcome-${esc(c.outcome)}" title="${esc(c.reason)}">${esc(c.outcome)}</td></tr>`,
          )
          .join('')}</table></div>`,
    )
    .join('');
}

const ACTIONS = [
  ['promote', 'promote', 'Promote to the next step'],
  ['promote?full=true', 'promote all', 'Promote straight to the Route’s spec split'],
  ['pause', 'pause', 'Pause'],
  ['resume', 'resume', 'Resume'],
  ['abort', 'abort', 'Abort: serve the stable split again'],
  ['retry', 'retry', 'Retry from the first step'],
];

function renderRollouts(list) {
  const writes = state.info?.writesEnabled;
  const why = state.info?.writesRefused ?? '';
  $('rollouts').innerHTML =
    list
      .map((r) => {
        const id = `${r.namespace}/${r.name}`;
        const a = r.applied;
        const split = (r.split ?? []).filter((t) => t.percent > 0).map((t) => `${t.revisionName} ${t.percent}%`).join(' · ');
        const buttons = ACTIONS.map(([action, label, title]) => {
          const on = writes && applies(r, action);
          const hint = !writes ? why : on ? title : `does nothing ${r.phase ? `in phase ${r.phase}` : 'now'}`;
          return `<button type="button" data-action="${esc(action)}" data-namespace="${esc(r.namespace)}" data-name="${esc(r.name)}" title="${esc(hint)}"${on ? '' : ' disabled'}>${esc(label)}</button>`;
        }).join('');
        const history = (r.history ?? [])
          .slice(-4)
          .map((h) => `<div class="small muted">${esc(h.time)} ${esc(h.phase)} step ${h.step ?? ''} ${esc(h.reason)} (${esc(h.source)})${h.message ? ': ' + esc(h.message) : ''}</div>`)
          .join('');
        return `<div class="rollout" data-rollout="${esc(id)}">
          <h3>${esc(id)}</h3> <span class="muted">→ Route ${esc(r.route)} · ${esc(r.cluster)}</span>
          <span class="badge ${esc(r.phase)} phase">${esc(r.phase ?? 'not started')}</span>
          <span class="muted">step <b class="step">${r.step ?? '–'}</b> · weight ${r.weight ?? '–'}% · serving ${esc(split)}</span>
          ${a ? `<span class="badge ${a.applied === a.connected && a.connected > 0 ? 'True' : 'Unknown'}">applied ${a.applied} of ${a.connected}${a.nacked ? ', NACKed' : ''}</span>` : ''}
          ${timeline(r)}
          ${r.message ? `<div class="problem">${esc(r.message)}</div>` : ''}
          ${(r.errors ?? []).map((e) => `<div class="problem">${esc(e)}</div>`).join('')}
          ${verdicts(r)}
          <div class="actions">${buttons}</div>
          ${history}
        </div>`;
      })
      .join('') || '<p class="muted">none</p>';
}

async function act(namespace, name, action) {
  const rollout = `${namespace}/${name}`;
  const label = action.replace('?full=true', ' (all the way)');
  if (!window.confirm(`${label} rollout ${rollout}?`)) return;
  const [verb, query] = action.split('?');
  const path = [namespace, name, verb].map(encodeURIComponent).join('/');
  const r = await fetch(`${API}/rollouts/${path}${query ? '?' + query : ''}`, { method: 'POST' });
  const body = await r.json().catch(() => ({}));
  const lastEntry = (body.history ?? []).at(-1);
  if (r.ok && lastEntry?.reason === 'ActionIgnored') {
    say(`${label} ${rollout}: ignored: ${lastEntry.message ?? `nothing to do in phase ${body.phase}`}`, false);
  } else {
    say(r.ok ? `${label} ${rollout}: ${body.phase ?? 'done'}` : `${label} ${rollout}: ${body.error ?? r.status}`, !r.ok);
  }
  loadRollouts();
}

// ------------------------------------------------------------------------------------- clusters

const loadClusters = coalesced(async () => {
  const c = await getJson(`${API}/clusters`);
  $('domain').textContent = c.domain;
  $('clusters').tBodies[0].innerHTML = c.clusters
    .map(
      (k) => `<tr data-cluster="${esc(k.cluster)}"><td><b>${esc(k.cluster)}</b>${k.config ? ' <span class="badge">config</span>' : ''}<div class="muted small">${esc(k.location)}</div></td>
        <td>${esc(k.kind)}</td><td>${esc(k.region)} / ${esc(k.zone)}</td>
        <td><span class="badge ${esc(k.state)} state">${esc(k.state)}</span></td>
        <td class="small">${k.routes} Routes · ${k.services} Services · ${k.endpointSlices} EndpointSlices</td>
        <td>${k.problems.map((p) => `<div class="problem">${esc(p)}</div>`).join('') || '<span class="muted">none</span>'}</td></tr>`,
    )
    .join('');
  const t = c.tls ?? {};
  $('tls').textContent = t.defaultSecret
    ? `default certificate ${t.defaultSecret}: ${t.valid ? 'valid' : `${t.reason}: ${t.message}`}`
    : '';
});

const loadDataPlanes = coalesced(async () => {
  const list = await getJson(`${API}/dataplanes`);
  $('dataplanes').tBodies[0].innerHTML =
    list
      .map(
        (d) => `<tr><td>${esc(d.nodeId)}</td><td>${esc(d.cluster)}</td><td>${esc(d.region)} / ${esc(d.zone)}</td>
          <td class="small">${esc(d.connectedAt)}</td><td>${d.appliedModelRevision}</td>
          <td>${d.lastNack ? `<div class="problem">${esc(d.lastNack.typeUrl.split('.').pop())} ${esc(d.lastNack.rejectedVersion)}: ${esc(d.lastNack.errorDetail)}</div><div class="small muted">${esc(d.lastNack.at)}</div>` : '<span class="muted">none</span>'}</td></tr>`,
      )
      .join('') || '<tr><td colspan="6" class="muted">no data plane connected</td></tr>';
});

// ------------------------------------------------------------------------------------- live

function onChange(v) {
  const seen = state.seen;
  if (v.routes !== seen.routes || v.dataplanes !== seen.dataplanes || v.rollouts !== seen.rollouts) loadRoutes();
  if (v.rollouts !== seen.rollouts) loadRollouts();
  if (v.clusters !== seen.clusters) loadClusters();
  if (v.dataplanes !== seen.dataplanes) loadDataPlanes();
  state.seen = { routes: v.routes, rollouts: v.rollouts, dataplanes: v.dataplanes, clusters: v.clusters };
}

function listen() {
  const live = $('live');
  const events = new EventSource(`${API}/events`);
  events.addEventListener('change', (e) => onChange(JSON.parse(e.data)));
  events.onopen = () => {
    live.textContent = 'live';
    live.className = 'badge live';
    // A fetch that failed while the controller was away is history now.
    if ($('message').className === 'problem') say('', false);
  };
  events.onerror = () => {
    live.textContent = 'reconnecting';
    live.className = 'badge down';
    // Anything may have changed while the stream was down: fetch all on the next notice.
    state.seen = { routes: -1, rollouts: -1, dataplanes: -1, clusters: -1 };
  };
}

async function start() {
  state.info = await getJson(`${API}/info`);
  const w = $('writes');
  w.textContent = state.info.writesEnabled ? 'actions on' : 'read-only';
  w.className = `badge ${state.info.writesEnabled ? 'on' : 'off'}`;
  w.title = state.info.writesRefused ?? 'Rollout actions are enabled';
  $('domain').textContent = state.info.domain;

  let typing;
  $('search').addEventListener('input', (e) => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.query = e.target.value;
      state.offset = 0;
      loadRoutes();
    }, 150);
  });
  $('prev').addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - PAGE);
    loadRoutes();
  });
  $('next').addEventListener('click', () => {
    state.offset += PAGE;
    loadRoutes();
  });
  $('routes').addEventListener('click', (e) => {
    if (e.target.closest('a')) return;
    const tr = e.target.closest('tr.route');
    if (!tr) return;
    const key = tr.dataset.key;
    if (state.expanded.has(key)) state.expanded.delete(key);
    else state.expanded.add(key);
    renderRoutes();
  });
  $('rollouts').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    if (b && !b.disabled) act(b.dataset.namespace, b.dataset.name, b.dataset.action);
  });
  let typingRollouts;
  $('rollout-search').addEventListener('input', (e) => {
    clearTimeout(typingRollouts);
    typingRollouts = setTimeout(() => {
      state.rolloutQuery = e.target.value;
      state.rolloutOffset = 0;
      loadRollouts();
    }, 150);
  });
  $('rollout-prev').addEventListener('click', () => {
    state.rolloutOffset = Math.max(0, state.rolloutOffset - PAGE);
    loadRollouts();
  });
  $('rollout-next').addEventListener('click', () => {
    state.rolloutOffset += PAGE;
    loadRollouts();
  });
  listen();
  setInterval(refreshLoad, LOAD_EVERY_MS);
}

start().catch((e) => say(`cannot start: ${e.message}`, true));
