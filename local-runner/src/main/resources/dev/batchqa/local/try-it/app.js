// The try-it page: POST /qa for each question, poll GET /qa/{id} until DONE or FAILED, show every status change,
// highlight the answer in the context. Offsets are UTF-16 code units, which is what JavaScript strings index, so
// context.slice(start, end) is the answer's text. User text is only ever set with textContent (never as HTML).
'use strict';

const POLL_MS = 400;
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** The context as text with one span marked. */
function renderContext(target, context, answer) {
  target.replaceChildren();
  if (!answer) { target.append(context); return; }
  const mark = el('mark', {'data-start': answer.start, 'data-end': answer.end});
  mark.textContent = context.slice(answer.start, answer.end);
  target.append(context.slice(0, answer.start), mark, context.slice(answer.end));
}

function setStatus(card, status, detail) {
  const badge = card.querySelector('.status');
  badge.dataset.status = status;
  badge.textContent = status;
  const item = el('li');
  item.textContent = `${new Date().toLocaleTimeString('en-GB')} ${status}${detail ? ' — ' + detail : ''}`;
  card.querySelector('ol.history').append(item);
}

function showAnswers(card, context, record) {
  const box = card.querySelector('.answer');
  const ctx = card.querySelector('.context');
  box.replaceChildren();
  if (record.status === 'FAILED') {
    box.append(el('p', {class: 'error'}, `Failed: ${record.error ? record.error.code : 'unknown'}`));
    return;
  }
  if (record.model || record.noAnswerScore !== undefined) {
    const parts = [];
    if (record.model) parts.push(`model ${record.model.name} (${record.model.variant})`);
    if (typeof record.noAnswerScore === 'number') parts.push(`no-answer score ${record.noAnswerScore.toFixed(3)}`);
    box.append(el('p', {class: 'meta'}, parts.join(' · ')));
  }
  if (!record.answer) {
    box.append(el('p', {}, 'No answer in this context.'));
    renderContext(ctx, context, null);
    return;
  }
  const best = el('p', {class: 'best'});
  best.append('Answer: ', el('strong', {class: 'answer-text'}, record.answer.text),
      ` (score ${record.answer.score.toFixed(3)})`);
  box.append(best);
  const table = el('table', {}, el('caption', {class: 'hint'}, 'Top answers, best first; choose one to highlight it.'));
  const head = el('tr', {}, el('th', {scope: 'col'}, '#'), el('th', {scope: 'col'}, 'Answer'),
      el('th', {scope: 'col'}, 'Score'), el('th', {scope: 'col'}, 'Offsets (UTF-16)'));
  table.append(el('thead', {}, head));
  const body = el('tbody');
  record.answers.forEach((a, i) => {
    const pick = el('button', {type: 'button', class: 'link', 'aria-label': `Highlight answer ${i + 1}`});
    pick.textContent = a.text;
    pick.addEventListener('click', () => renderContext(ctx, context, a));
    body.append(el('tr', {}, el('td', {}, String(i + 1)), el('td', {}, pick),
        el('td', {}, a.score.toFixed(3)), el('td', {}, `${a.start}–${a.end}`)));
  });
  table.append(body);
  box.append(table);
  renderContext(ctx, context, record.answer);
}

async function poll(card, id, context) {
  let last = 'PENDING';
  for (;;) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    let record;
    try {
      const response = await fetch(`/qa/${encodeURIComponent(id)}`, {headers: {Accept: 'application/json'}});
      record = await response.json();
      if (!response.ok) { setStatus(card, 'FAILED', record.error ? record.error.code : `HTTP ${response.status}`); return; }
    } catch (e) {
      continue; // the runner restarting, say: try again
    }
    if (record.status !== last) {
      last = record.status;
      setStatus(card, record.status);
    }
    if (record.status === 'DONE' || record.status === 'FAILED') {
      showAnswers(card, context, record);
      card.setAttribute('aria-busy', 'false');
      return;
    }
  }
}

function card(question, index, context) {
  const box = el('article', {class: 'card', 'aria-busy': 'true', 'aria-labelledby': `q-${index}`});
  const title = el('h3', {id: `q-${index}`});
  title.textContent = question;
  const status = el('span', {class: 'status', role: 'status'});
  box.append(title, el('p', {}, 'Status: ', status), el('ol', {class: 'history', 'aria-label': 'Status changes'}),
      el('div', {class: 'answer'}), el('div', {class: 'context', 'aria-label': 'Context with the answer highlighted'}));
  renderContext(box.querySelector('.context'), context, null);
  $('results').append(box);
  setStatus(box, 'SENDING');
  return box;
}

// Several questions about one context go in one request ({"questions": [...]}): one queue message, answered in
// the same forward passes, one id per question.
async function askAll(context, questions, topK, start) {
  const cards = questions.map((q, i) => card(q, start + i, context));
  const request = questions.length === 1 ? {context, question: questions[0], topK} : {context, questions, topK};
  let response;
  let body;
  try {
    response = await fetch('/qa', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(request)});
    body = await response.json();
  } catch (e) {
    cards.forEach((c) => setStatus(c, 'FAILED', 'network error'));
    return;
  }
  if (response.status !== 202) {
    const why = body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`;
    cards.forEach((c) => { setStatus(c, 'FAILED', why); c.setAttribute('aria-busy', 'false'); });
    return;
  }
  const accepted = body.questions || [{id: body.id, status: body.status}];
  await Promise.all(accepted.map((item, i) => {
    cards[i].dataset.id = item.id;
    setStatus(cards[i], item.status, `id ${item.id}`);
    return poll(cards[i], item.id, context);
  }));
}

$('ask').addEventListener('submit', (event) => {
  event.preventDefault();
  const context = $('context').value;
  const questions = $('questions').value.split('\n').map((q) => q.trim()).filter((q) => q.length > 0);
  const topK = Number.parseInt($('topk').value, 10) || 1;
  $('form-error').textContent = '';
  if (!context.trim()) { $('form-error').textContent = 'Paste a context first.'; $('context').focus(); return; }
  if (questions.length === 0) { $('form-error').textContent = 'Write at least one question.'; $('questions').focus(); return; }
  if (topK < 1 || topK > 10) { $('form-error').textContent = 'Top-k must be between 1 and 10.'; $('topk').focus(); return; }
  $('results-empty').hidden = true;
  const start = $('results').children.length;
  askAll(context, questions, topK, start);
});

async function refreshStats() {
  try {
    const s = await (await fetch('/local/stats')).json();
    $('stat-waiting').textContent = s.queue.waiting ?? '?';
    $('stat-inflight').textContent = s.queue.inFlight ?? '?';
    $('stat-done').textContent = s.questions.done;
    $('stat-failed').textContent = s.questions.failed;
  } catch (e) {
    // the panel keeps its last values
  }
}
refreshStats();
setInterval(refreshStats, 2000);

// Bulk jobs: the caller's jobs with a progress bar each (ended lines of all lines) and, once a job has ended, a
// link to its results file (GET /jobs/{id}/results redirects to it).
function jobRow(job) {
  const c = job.counts;
  // a job that failed validation answered none of its lines: an empty bar, not a full one
  const ended = job.status === 'failed' ? 0 : c.total - c.pending;
  const bar = el('progress', {max: String(Math.max(1, c.total)), value: String(ended),
    'aria-label': `Job ${job.id}: ${ended} of ${c.total} lines ended`});
  const notAnswered = c.failed + c.cancelled + c.expired;
  const text = el('span', {class: 'job-counts'});
  text.textContent = ` ${ended}/${c.total}${notAnswered ? ` (${notAnswered} not answered)` : ''}`;
  const status = el('span', {class: 'job-status', 'data-status': job.status});
  status.textContent = job.status;
  if (job.status === 'failed' && job.errors.length) {
    status.title = job.errors.slice(0, 5).map((e) => `line ${e.line}: ${e.code}`).join('; ');
    status.textContent = `failed (line ${job.errors[0].line}: ${job.errors[0].code})`;
  }
  const id = el('span', {class: 'job-id', title: job.id});
  id.textContent = job.id.slice(0, 12) + '…';
  const results = el('td');
  if (job.results) {
    const link = el('a', {href: job.results, download: `${job.id}.results.jsonl`});
    link.textContent = 'results.jsonl';
    results.append(link);
  } else {
    results.textContent = '–';
  }
  const row = el('tr', {'data-job': job.id}, el('td', {}, id), el('td', {}, status), el('td', {}, bar, text), results);
  return row;
}

async function refreshJobs() {
  try {
    const response = await fetch('/jobs?limit=20', {headers: {Accept: 'application/json'}});
    if (!response.ok) return;
    const page = await response.json();
    $('jobs-body').replaceChildren(...page.jobs.map(jobRow));
    $('jobs-empty').hidden = page.jobs.length > 0;
  } catch (e) {
    // the table keeps its last rows
  }
}

$('job-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const lines = $('job-lines').value.trim();
  $('job-error').textContent = '';
  if (!lines) { $('job-error').textContent = 'Write at least one JSONL line.'; $('job-lines').focus(); return; }
  try {
    const response = await fetch('/jobs', {method: 'POST', headers: {'Content-Type': 'application/x-ndjson'},
      body: lines + '\n'});
    const body = await response.json();
    if (response.status !== 202) {
      $('job-error').textContent = body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`;
      return;
    }
  } catch (e) {
    $('job-error').textContent = 'network error';
    return;
  }
  refreshJobs();
});

refreshJobs();
setInterval(refreshJobs, 2000);
