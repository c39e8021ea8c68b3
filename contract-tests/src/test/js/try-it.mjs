// Drives the try-it page in a real headless Chromium (Debian's /usr/bin/chromium through playwright-core):
// pastes the README's BERT abstract, asks two questions, waits for each card to end DONE, and prints one JSON
// line with what the page shows (status history, highlighted text, top-k rows, stats panel) for the JUnit test
// to check; then submits a bulk job and a bad one from the page's job form and follows them in its jobs table
// (screenshot <screenshot>-jobs.png). Usage: node try-it.mjs <page-url> <screenshot.png> <user-data-dir> [chromium]
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

  const result = { focusedAfterTab: focused, consoleErrors, cards: [] };
  for (let i = 0; i < QUESTIONS.length; i++) {
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
    });
  }
  result.stats = {
    waiting: await page.locator('#stat-waiting').textContent(),
    done: await page.locator('#stat-done').textContent(),
    failed: await page.locator('#stat-failed').textContent(),
  };
  await page.locator('article.card').first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot, fullPage: true });

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
