// The Herd dashboard: polls /dashboard/api/snapshot every two seconds with the API key from
// sessionStorage, and asks /dashboard/api/usage for the range the person chooses.
'use strict';

const keyStorage = 'herd.dashboard.key';
const pollMilliseconds = 2000;
// Minutes of decode-rate samples the chart keeps; older points scroll off.
const chartMinutes = 10;

const $ = (id) => document.getElementById(id);
let pollTimer = null;
let chart = null;

function storedKey() {
  return sessionStorage.getItem(keyStorage);
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Authorization: 'Bearer ' + storedKey() }, cache: 'no-store' });
  const body = await response.json().catch(() => ({ error: `The gateway answered ${response.status} without a message.` }));
  return { status: response.status, ok: response.ok, body };
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text ?? '';
  if (className) td.className = className;
  return td;
}

function fill(tableId, items, writeRow) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren();
  for (const item of items) writeRow(body.insertRow(), item);
}

const milliseconds = (ms) => ms == null ? '' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
const time = (iso) => new Date(iso).toLocaleTimeString();

function showNodes(nodes) {
  fill('nodes', nodes, (row, node) => {
    row.dataset.nodeId = node.nodeId;
    cell(row, node.nodeId);
    cell(row, node.health, 'health-' + node.health);
    cell(row, node.models.join(', '));
    cell(row, node.group);
    cell(row, `${node.slotsInUse} / ${node.slots}`);
    cell(row, node.decodeTokensPerSecond.toFixed(1));
    cell(row, time(node.lastHeartbeat));
    cell(row, node.gatewayId);
  });
}

function showQueue(queue) {
  fill('queue', queue, (row, jobs) => {
    cell(row, jobs.model);
    cell(row, String(jobs.priority));
    cell(row, String(jobs.waiting));
    cell(row, milliseconds(jobs.oldestWaitSeconds * 1000));
  });
}

function showRequests(requests, readsPrompts) {
  fill('requests', requests, (row, request) => {
    row.dataset.requestId = request.requestId;
    cell(row, time(request.receivedAt));
    cell(row, request.requestId);
    cell(row, request.keyId);
    cell(row, request.model);
    cell(row, request.nodeId);
    cell(row, request.finishReason ? `${request.status} (${request.finishReason})` : request.status);
    cell(row, `${request.promptTokens} / ${request.completionTokens}`);
    cell(row, milliseconds(request.queueWaitMs));
    cell(row, milliseconds(request.timeToFirstTokenMs));
    cell(row, milliseconds(request.totalMs));
    const prompt = cell(row, readsPrompts ? request.prompt : '(not shown to this role)', 'prompt');
    prompt.title = prompt.textContent;
  });
}

// Each node's decode rate as its heartbeats reported it, sample by sample, for the minutes the page is open.
const samples = new Map();

function chartNodes(takenAt, nodes) {
  if (typeof Chart === 'undefined') return;
  const windowSeconds = chartMinutes * 60;
  if (!chart) {
    chart = new Chart($('tokens-chart'), {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { type: 'linear', min: -windowSeconds, max: 0, title: { display: true, text: 'seconds ago' }, ticks: { callback: (value) => -value } },
          y: { beginAtZero: true, suggestedMax: 1, title: { display: true, text: 'decode tokens/s' } },
        },
      },
    });
  }
  const at = new Date(takenAt).getTime();
  for (const node of nodes) {
    if (!samples.has(node.nodeId)) samples.set(node.nodeId, []);
    samples.get(node.nodeId).push({ at, value: node.decodeTokensPerSecond });
  }
  chart.data.datasets = [...samples].map(([nodeId, points]) => {
    const recent = points.filter((point) => at - point.at <= windowSeconds * 1000);
    samples.set(nodeId, recent);
    return { label: nodeId, pointRadius: 2, data: recent.map((point) => ({ x: (point.at - at) / 1000, y: point.value })) };
  });
  chart.update();
}

async function poll() {
  const answer = await getJson('api/snapshot').catch((error) => ({ status: 0, ok: false, body: { error: `The gateway cannot be reached: ${error.message}` } }));
  if (answer.status === 401 || answer.status === 403) {
    signOut(answer.body.error);
    return;
  }
  if (!answer.ok) {
    $('board-error').textContent = answer.body.error;
    return;
  }
  const snapshot = answer.body;
  $('board-error').textContent = '';
  $('viewer').textContent = `Signed in with key ${snapshot.viewer.keyId} (role ${snapshot.viewer.role}) · updated ${time(snapshot.takenAt)}`;
  showNodes(snapshot.nodes);
  showQueue(snapshot.queue);
  showRequests(snapshot.requests, snapshot.viewer.readsPrompts);
  chartNodes(snapshot.takenAt, snapshot.nodes);
}

async function showUsage() {
  const query = new URLSearchParams();
  if ($('usage-from').value) query.set('from', new Date($('usage-from').value).toISOString());
  if ($('usage-to').value) query.set('to', new Date($('usage-to').value).toISOString());
  const answer = await getJson('api/usage?' + query);
  if (!answer.ok) {
    $('usage-error').textContent = answer.body.error;
    return;
  }
  $('usage-error').textContent = '';
  const writeTotals = (row, total) => {
    cell(row, total.group || '(none)');
    cell(row, String(total.requests));
    cell(row, String(total.promptTokens));
    cell(row, String(total.completionTokens));
    cell(row, String(total.fee));
  };
  fill('usage-keys', answer.body.byKey, writeTotals);
  fill('usage-models', answer.body.byModel, writeTotals);
}

function start() {
  $('sign-in').hidden = true;
  $('board').hidden = false;
  $('sign-out').hidden = false;
  poll();
  showUsage();
  pollTimer = setInterval(poll, pollMilliseconds);
}

function signOut(message) {
  clearInterval(pollTimer);
  sessionStorage.removeItem(keyStorage);
  $('board').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('viewer').textContent = '';
  $('login-error').textContent = message ?? '';
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(keyStorage, $('key').value.trim());
  $('key').value = '';
  $('login-error').textContent = '';
  start();
});
$('sign-out').addEventListener('click', () => signOut());
$('usage-range').addEventListener('submit', (event) => {
  event.preventDefault();
  showUsage();
});

if (storedKey()) start();
