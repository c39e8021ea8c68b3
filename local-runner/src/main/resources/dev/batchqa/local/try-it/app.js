// The try-it page: POST /qa for each question, poll GET /qa/{id} until DONE or FAILED, show every status change,
// highlight the answer in the context. Offsets are UTF-16 code units, which is what JavaScript strings index, so
// context.slice(start, end) is the answer's text, and String.length counts what the API's limits count. User text
// is only ever set with textContent (never as HTML).
'use strict';

const POLL_MS = 400;
// the API's limits (Limits.java), in UTF-16 code units
const MAX_CONTEXT = 40000;
const MAX_QUESTION = 1000;
const SNIPPET = 80; // characters of context shown on each side of an answer
const SAMPLE_CONTEXT = 'We introduce a new language representation model called BERT, which stands for Bidirectional '
  + 'Encoder Representations from Transformers. Unlike recent language representation models, BERT is designed to '
  + 'pre-train deep bidirectional representations from unlabeled text by jointly conditioning on both left and right '
  + 'context in all layers. As a result, the pre-trained BERT model can be fine-tuned with just one additional output '
  + 'layer to create state-of-the-art models for a wide range of tasks, such as question answering and language '
  + 'inference, without substantial task-specific architecture modifications. BERT is conceptually simple and '
  + 'empirically powerful. It obtains new state-of-the-art results on eleven natural language processing tasks, '
  + 'including pushing the GLUE score to 80.5% (7.7% point absolute improvement), MultiNLI accuracy to 86.7% (4.6% '
  + 'absolute improvement), SQuAD v1.1 question answering Test F1 to 93.2 (1.5 point absolute improvement) and SQuAD '
  + 'v2.0 Test F1 to 83.1 (5.1 point absolute improvement).';
const SAMPLE_QUESTIONS = ['What is BERTs best score on Squadv2 ?', 'Who discovered the Amazon?'];
const fmt = (n) => n.toLocaleString('en-US');
// scores are probabilities: tiny ones in exponent form, so that two of them never both read 0.000
const score = (x) => (x === 0 || x >= 0.001 ? x.toFixed(3) : x.toExponential(2));
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

/** A short piece of the context around one answer, the answer marked: the whole context stays collapsed below. */
function renderSnippet(target, context, answer) {
  target.replaceChildren();
  if (!answer) { target.hidden = true; return; }
  const from = Math.max(0, answer.start - SNIPPET);
  const to = Math.min(context.length, answer.end + SNIPPET);
  const mark = el('mark');
  mark.textContent = context.slice(answer.start, answer.end);
  target.append(from > 0 ? '…' : '', context.slice(from, answer.start), mark, context.slice(answer.end, to),
      to < context.length ? '…' : '');
  target.hidden = false;
}

function showAnswers(card, context, record) {
  const box = card.querySelector('.answer');
  const ctx = card.querySelector('.context');
  const snippet = card.querySelector('.snippet');
  box.replaceChildren();
  if (record.status === 'FAILED') {
    box.append(el('p', {class: 'error'}, `Failed: ${record.error ? record.error.code : 'unknown'}`));
    return;
  }
  if (record.model || record.noAnswerScore !== undefined) {
    const parts = [];
    if (record.model) parts.push(`model ${record.model.name} (${record.model.variant})`);
    if (typeof record.noAnswerScore === 'number') parts.push(`no-answer score ${score(record.noAnswerScore)}`);
    box.append(el('p', {class: 'meta'}, parts.join(' · ')));
  }
  if (!record.answer) {
    box.append(el('p', {class: 'no-answer'}, 'No answer in this context.'));
    renderContext(ctx, context, null);
    renderSnippet(snippet, context, null);
    return;
  }
  // a model that never abstains (SQuAD 1.1) still returns its best span: when "no answer" scores higher, that
  // span is a guess, and the page says "no answer" first
  const abstains = typeof record.noAnswerScore === 'number' && record.noAnswerScore > record.answer.score;
  if (abstains) {
    box.append(el('p', {class: 'no-answer'}, `No answer: the no-answer score ${score(record.noAnswerScore)} `
        + `beats the best span's ${score(record.answer.score)}.`));
    const guess = el('p', {class: 'secondary-answer'});
    guess.append('Best span, less likely than no answer: ', el('span', {class: 'secondary-text'}, record.answer.text),
        ` (score ${score(record.answer.score)})`);
    box.append(guess);
  } else {
    const best = el('p', {class: 'best'});
    best.append('Answer: ', el('strong', {class: 'answer-text'}, record.answer.text),
        ` (score ${score(record.answer.score)})`);
    box.append(best);
  }
  const table = el('table', {}, el('caption', {class: 'hint'}, 'Top answers, best first; choose one to highlight it.'));
  const head = el('tr', {}, el('th', {scope: 'col'}, '#'), el('th', {scope: 'col'}, 'Answer'),
      el('th', {scope: 'col'}, 'Score'), el('th', {scope: 'col'}, 'Offsets (UTF-16)'));
  table.append(el('thead', {}, head));
  const body = el('tbody');
  record.answers.forEach((a, i) => {
    const pick = el('button', {type: 'button', class: 'link', 'aria-label': `Highlight answer ${i + 1}`});
    pick.textContent = a.text;
    pick.addEventListener('click', () => { renderContext(ctx, context, a); renderSnippet(snippet, context, a); });
    body.append(el('tr', {}, el('td', {}, String(i + 1)), el('td', {}, pick),
        el('td', {}, score(a.score)), el('td', {}, `${a.start}–${a.end}`)));
  });
  table.append(body);
  box.append(table);
  renderContext(ctx, context, abstains ? null : record.answer);
  renderSnippet(snippet, context, abstains ? null : record.answer);
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

// The whole context is long: each card shows the answer's surroundings, and the context only when opened.
function card(question, index, context) {
  const box = el('article', {class: 'card', 'aria-busy': 'true', 'aria-labelledby': `q-${index}`});
  const title = el('h3', {id: `q-${index}`});
  title.textContent = question;
  const status = el('span', {class: 'status', role: 'status'});
  const whole = el('details', {class: 'context-box'},
      el('summary', {}, `Whole context (${fmt(context.length)} characters), the answer highlighted`),
      el('div', {class: 'context', 'aria-label': 'Context with the answer highlighted'}));
  box.append(title, el('p', {}, 'Status: ', status), el('ol', {class: 'history', 'aria-label': 'Status changes'}),
      el('div', {class: 'answer'}), el('p', {class: 'snippet', hidden: ''}), whole);
  renderContext(box.querySelector('.context'), context, null);
  setStatus(box, 'SENDING');
  return box;
}

// Several questions about one context go in one request ({"questions": [...]}): one queue message, answered in
// the same forward passes, one id per question. The newest request's cards go on top, in question order.
async function askAll(context, questions, topK, start) {
  const cards = questions.map((q, i) => card(q, start + i, context));
  $('results').prepend(...cards);
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

function questionLines() {
  return $('questions').value.split('\n').map((q) => q.trim()).filter((q) => q.length > 0);
}

/** The live counters; true when both fields are within the API's limits. */
function updateCounts() {
  const context = $('context').value.length;
  const contextOver = context > MAX_CONTEXT;
  $('context-count').textContent = `${fmt(context)} / ${fmt(MAX_CONTEXT)} characters`
      + (contextOver ? ` — ${fmt(context - MAX_CONTEXT)} too many` : '');
  $('context-count').classList.toggle('over', contextOver);
  $('context').setAttribute('aria-invalid', String(contextOver));
  const lines = questionLines();
  const longest = lines.reduce((m, q) => Math.max(m, q.length), 0);
  const questionOver = longest > MAX_QUESTION;
  $('questions-count').textContent = `${lines.length} question${lines.length === 1 ? '' : 's'}, the longest `
      + `${fmt(longest)} / ${fmt(MAX_QUESTION)} characters` + (questionOver ? ' — too long' : '');
  $('questions-count').classList.toggle('over', questionOver);
  $('questions').setAttribute('aria-invalid', String(questionOver));
  return !contextOver && !questionOver;
}
$('context').addEventListener('input', updateCounts);
$('questions').addEventListener('input', updateCounts);
updateCounts();

$('sample').addEventListener('click', () => {
  $('context').value = SAMPLE_CONTEXT;
  $('questions').value = SAMPLE_QUESTIONS.join('\n');
  updateCounts();
  $('questions').focus();
});

$('ask').addEventListener('submit', (event) => {
  event.preventDefault();
  const context = $('context').value;
  const questions = questionLines();
  const topK = Number.parseInt($('topk').value, 10) || 1;
  $('form-error').textContent = '';
  if (!context.trim()) { $('form-error').textContent = 'Paste a context first.'; $('context').focus(); return; }
  if (questions.length === 0) { $('form-error').textContent = 'Write at least one question.'; $('questions').focus(); return; }
  if (context.length > MAX_CONTEXT) {
    $('form-error').textContent = `The context has ${fmt(context.length)} characters; the limit is ${fmt(MAX_CONTEXT)}.`;
    $('context').focus();
    return;
  }
  const tooLong = questions.findIndex((q) => q.length > MAX_QUESTION);
  if (tooLong >= 0) {
    $('form-error').textContent = `Question ${tooLong + 1} has ${fmt(questions[tooLong].length)} characters; the limit is ${fmt(MAX_QUESTION)}.`;
    $('questions').focus();
    return;
  }
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
