// Drives the try-it page in a real headless Chromium (Debian's /usr/bin/chromium through playwright-core):
// fills in the sample, tries over-long input (the counters and the refused submit), pastes the README's BERT
// abstract, asks two questions, waits for each card to end DONE, asks one more (it must come on top), and prints
// one JSON line with what the page shows (status history, highlighted text, no-answer display, top-k rows, stats
// panel) for the JUnit test to check (screenshots <screenshot>.png and <screenshot>-cards.png); then submits a bulk
// job and a bad one from the page's job form and follows them in its jobs table (<screenshot>-jobs.png).
// Usage: node try-it.mjs <page-url> <screenshot.png> <user-data-dir> [chromium]
import { chromium } from 'playwright-core';

const [url, screenshot, userDataDir, executablePath = '/usr/bin/chromium'] = process.argv.slice(2);
const CONTEXT = 'We introduce a new language representation model called BERT, which stands for Bidirectional Encoder Representations from Transformers. Unlike recent language representation models, BERT is designed to pre-train deep bidirectional representations from unlabeled text by jointly conditioning on both left and right context in all layers. As a result, the pre-trained BERT model can be fine-tuned with just one additional output layer to create state-of-the-art models for a wide range of tasks, such as question answering and language inference, without substantial task-specific architecture modifications. BERT is conceptually simple and empirically powerful. It obtains new state-of-the-art results on eleven natural language processing tasks, including pushing the GLUE score to 80.5% (7.7% point absolute improvement), MultiNLI accuracy to 86.7% (4.6% absolute improvement), SQuAD v1.1 question answering Test F1 to 93.2 (1.5 point absolute improvement) and SQuAD v2.0 Test F1 to 83.1 (5.1 point absolute improvement).';
const QUESTIONS = ['What is BERTs best score on Squadv2 ?', 'Which color is the sky?'];

const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 1100 },
  args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(url);

  // the sample button fills both fields
  await page.locator('#sample').click();
  const sample = {
    context: await page.getByLabel('Context').inputValue(),
    questions: await page.getByLabel('Questions').inputValue(),
    contextCount: await page.locator('#context-count').textContent(),
  };
  // over-long input: the counters turn red and Ask refuses it without a request
  let posts = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/qa') posts++; });
  await page.getByLabel('Context').fill('a'.repeat(40001));
  const over = {
    contextCount: await page.locator('#context-count').textContent(),
    contextOver: await page.locator('#context-count').evaluate((e) => e.classList.contains('over')),
  };
  await page.locator('#submit').click();
  over.contextError = await page.locator('#form-error').textContent();
  await page.getByLabel('Context').fill('a'.repeat(40000));
  over.atLimitOver = await page.locator('#context-count').evaluate((e) => e.classList.contains('over'));
  await page.getByLabel('Questions').fill('Which?\n' + 'q'.repeat(1001));
  over.questionsCount = await page.locator('#questions-count').textContent();
  await page.locator('#submit').click();
  over.questionError = await page.locator('#form-error').textContent();
  over.cards = await page.locator('article.card').count();
  over.posts = posts;

  // keyboard only, as a user without a mouse would: labels find the fields, Tab moves, Enter submits
  await page.getByLabel('Context').fill(CONTEXT);
  await page.getByLabel('Questions').fill(QUESTIONS.join('\n'));
  await page.getByLabel('Answers per question (top-k)').fill('3');
  await page.getByLabel('Answers per question (top-k)').focus();
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  await page.keyboard.press('Enter');

  const cards = page.locator('article.card');
  await page.waitForFunction((n) => {
    const all = [...document.querySelectorAll('article.card')];
    return all.length === n && all.every((c) => c.getAttribute('aria-busy') === 'false');
  }, QUESTIONS.length, { timeout: 60_000 });
  // the stats panel refreshes every 2 s: wait until it has counted the two answers
  await page.waitForFunction(() => Number(document.getElementById('stat-done').textContent) >= 2, null, { timeout: 10_000 });

  // one more question: its card comes on top
  await page.getByLabel('Questions').fill('Who introduced BERT?');
  await page.locator('#submit').click();
  await page.waitForFunction(() => {
    const all = [...document.querySelectorAll('article.card')];
    return all.length === 3 && all.every((c) => c.getAttribute('aria-busy') === 'false');
  }, null, { timeout: 60_000 });
  await page.waitForFunction(() => Number(document.getElementById('stat-done').textContent) >= 3, null, { timeout: 10_000 });

  const result = { focusedAfterTab: focused, consoleErrors, cards: [], sample, over,
    order: await page.locator('article.card h3').allTextContents() };
  for (let i = 1; i <= QUESTIONS.length; i++) {
    const card = cards.nth(i);
    const mark = card.locator('.context mark');
    result.cards.push({
      question: await card.locator('h3').textContent(),
      id: await card.getAttribute('data-id'),
      status: await card.locator('.status').textContent(),
      history: (await card.locator('ol.history li').allTextContents()).map((t) => t.replace(/^\S+\s+/, '')),
      marked: (await mark.count()) ? await mark.textContent() : null,
      markStart: (await mark.count()) ? Number(await mark.getAttribute('data-start')) : null,
      best: (await card.locator('.answer-text').count()) ? await card.locator('.answer-text').textContent() : null,
      rows: (await card.locator('tbody tr').allTextContents()),
      noAnswer: (await card.locator('.no-answer').count()) ? await card.locator('.no-answer').textContent() : null,
      secondary: (await card.locator('.secondary-text').count()) ? await card.locator('.secondary-text').textContent() : null,
      snippetMark: (await card.locator('.snippet mark').count()) ? await card.locator('.snippet mark').textContent() : null,
      contextOpen: await card.locator('details.context-box').evaluate((d) => d.open),
      visibleText: (await card.innerText()).length,
    });
  }
  result.contextLength = CONTEXT.length;
  result.stats = {
    waiting: await page.locator('#stat-waiting').textContent(),
    done: await page.locator('#stat-done').textContent(),
    failed: await page.locator('#stat-failed').textContent(),
  };
  await page.locator('article.card').first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.locator('section[aria-labelledby=results-title]').screenshot({ path: screenshot.replace(/\.png$/, '-cards.png') });

  // a bulk job from the page: three lines, followed in the jobs table to its end, with a results link
  const jobLines = QUESTIONS.concat(['Who introduced BERT?']).map((q, i) =>
    JSON.stringify({ custom_id: `page-${i + 1}`, context: CONTEXT, question: q })).join('\n');
  await page.getByLabel('Job lines (JSONL)').fill(jobLines);
  await page.locator('#job-submit').click();
  await page.waitForFunction(() => {
    const row = document.querySelector('#jobs-body tr');
    return row && row.querySelector('.job-status').textContent === 'completed' && row.querySelector('a');
  }, null, { timeout: 60_000 });
  const row = page.locator('#jobs-body tr').first();
  result.job = {
    id: await row.getAttribute('data-job'),
    status: await row.locator('.job-status').textContent(),
    progressValue: Number(await row.locator('progress').getAttribute('value')),
    progressMax: Number(await row.locator('progress').getAttribute('max')),
    counts: await row.locator('.job-counts').textContent(),
    resultsHref: await row.locator('a').getAttribute('href'),
  };
  // a job with a bad line shows its first line error in the table
  await page.getByLabel('Job lines (JSONL)').fill(jobLines + '\n{"custom_id": "bad"}');
  await page.locator('#job-submit').click();
  await page.waitForFunction(() => {
    const row = document.querySelector('#jobs-body tr');
    return row && row.querySelector('.job-status').textContent.startsWith('failed');
  }, null, { timeout: 30_000 });
  result.failedJob = await page.locator('#jobs-body tr').first().locator('.job-status').textContent();
  await page.locator('#jobs-title').scrollIntoViewIfNeeded();
  await page.locator('section[aria-labelledby=jobs-title]').screenshot({ path: screenshot.replace(/\.png$/, '-jobs.png') });
  console.log('RESULT ' + JSON.stringify(result));
} finally {
  await context.close();
}
