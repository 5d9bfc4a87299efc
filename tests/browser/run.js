// The respondent's pages in a real browser with JavaScript off (issue 16): answer a survey by
// clicking labels, make a mistake and see it explained, press back and post again without
// counting twice, read the results, sign in to answer a survey that takes one response each; on the way, an axe-core scan, the page's width at 375 px,
// screenshots, and a record of every request the page makes.
//
//   CANVASS_BIN=target/debug/canvass node run.js     (or: node run.js target/debug/canvass)
//
// CHROMIUM names the browser (default /usr/bin/chromium). Exits 1 with a one-line reason.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP, PHONE, Tab, launch } from './browser.js';
import { Server } from './server.js';

const TIME_LIMIT_MS = 120_000; // the whole run; about 10 s when all is well
const BLOCKING = new Set(['serious', 'critical']); // axe impacts that fail the run

const LUNCH = {
  name: 'Lunch on Friday',
  public_results: true,
  questions: [
    { text: 'Where to eat?', kind: 'single', required: true, choices: ['Pub', 'Cafe', 'Park'] },
    { text: 'Who is coming?', kind: 'multiple', required: false, choices: ['Ann', 'Bo', 'Cy'] },
    { text: 'Anything else?', kind: 'text', required: false, choices: [] },
  ],
};

const failures = [];
let interrupted = 0; // the exit code once SIGINT or SIGTERM came: what fails after is its doing
const fail = (reason) => {
  if (interrupted) return;
  failures.push(reason);
  console.log(`FAIL: ${reason}`);
};
const check = (ok, reason) => ok || fail(reason);
const say = (line) => console.log(`browser: ${line}`);

/**
 * The page-wide checks for one state of a page, in light and dark mode (`prefers-color-scheme`
 * has colours of its own, so contrast is checked in both): no sideways scroll at 375 px,
 * screenshots, an axe scan.
 */
async function inspect(tab, shots, name) {
  check(await tab.phoneReady(), `${name}: no <meta name="viewport" content="width=device-width">`);
  for (const scheme of ['light', 'dark']) {
    await tab.colorScheme(scheme);
    const suffix = scheme === 'dark' ? '-dark' : '';
    const scrollWidth = await tab.screenshot(shots, `${name}-${PHONE}${suffix}`, PHONE);
    check(scrollWidth <= PHONE, `${name} (${scheme}): ${scrollWidth} px wide at ${PHONE} px`);
    await tab.screenshot(shots, `${name}-${DESKTOP}${suffix}`, DESKTOP);
    const { passed, violations } = await tab.axe();
    say(`axe on ${name} (${scheme}): ${violations.length} violation(s), ${passed} rules passed`);
    for (const v of violations) {
      console.log(`  ${v.id} (${v.impact}): ${v.help} — ${v.targets.join(', ')}`);
      check(!BLOCKING.has(v.impact), `${name} (${scheme}): axe ${v.id} (${v.impact})`);
    }
  }
  await tab.colorScheme('light');
  await tab.resize(PHONE);
}

/** The survey under test, its questions and choices by name, and where its pages are. */
async function setUp(server) {
  const token = await server.user('owner@example.com', 'browser-harness-password');
  const survey = await server.api('/api/surveys/', LUNCH, token);
  const [where, who, why] = survey.questions;
  const choice = (q, text) => q.choices.find((c) => c.text === text);
  return {
    owner: token,
    survey,
    where,
    who,
    why,
    pub: choice(where, 'Pub'),
    ann: choice(who, 'Ann'),
    bo: choice(who, 'Bo'),
    page: `${server.url}/s/${survey.id}`,
    results: () => server.api(`/api/surveys/${survey.id}/results/`),
    responses: async () => (await server.api(`/api/surveys/${survey.id}/results/`)).responses,
  };
}

// The form as a respondent first sees it.
async function form(tab, s) {
  check((await tab.goto(s.page)) === 200, `GET /s/${s.survey.id} is not 200`);
  const structure = await tab.page.evaluate(() => ({
    forms: document.querySelectorAll('form[method="post" i]').length,
    legends: [...document.querySelectorAll('form fieldset > legend')].map((l) => l.textContent),
  }));
  check(structure.forms === 1, `the survey page has ${structure.forms} POST forms, not 1`);
  for (const q of s.survey.questions) {
    const found = structure.legends.some((l) => l.includes(q.text));
    check(found, `no <fieldset> whose <legend> says "${q.text}"`);
  }
}

// A mistake: the required question left out. The answers given must survive the round trip.
async function mistake(tab, s) {
  await tab.pick(s.who.id, s.bo);
  await tab.write(s.why.id, 'Keep me');
  // The browser itself refuses a form whose `required` control is empty (JavaScript or not);
  // the server's own check is what is under test here, so step past the browser's.
  if (!(await tab.page.$eval('form[method="post" i]', (f) => f.checkValidity()))) {
    say('the browser blocks the empty required answer itself (`required`); stepping past it');
    await tab.page.$eval('form[method="post" i]', (f) => {
      f.noValidate = true;
    });
  }
  check((await tab.submit()) === 422, 'a missing required answer is not answered 422');
  const alert = await tab.page.$eval('[role="alert"]', (el) => el.innerText).catch(() => null);
  check(alert !== null, 'no error summary (role="alert") after a missing required answer');
  const named = alert?.includes(s.where.text);
  check(alert === null || named, `the error summary does not name "${s.where.text}"`);
  const links = await tab.page.$$eval('[role="alert"] a[href^="#"]', (as) =>
    as.map((a) => [a.getAttribute('href'), !!document.getElementById(a.hash.slice(1))]),
  );
  check(links.length > 0, 'the error summary links to no question');
  for (const [href, found] of links) {
    check(found, `the error summary links to ${href}, which is not on the page`);
  }
  check(await tab.checked(s.who.id, s.bo), 'the error page forgot the ticked "Bo"');
  check((await tab.value(s.why.id)) === 'Keep me', 'the error page forgot the text typed');
  check((await s.responses()) === 0, 'a refused answer was counted');
}

// Put right and sent: the confirmation page, one response.
async function putRight(tab, s) {
  await tab.pick(s.where.id, s.pub);
  await tab.pick(s.who.id, s.ann);
  check((await tab.submit()) === 200, 'the confirmation page is not 200');
  const url = tab.page.url();
  check(url === `${s.page}/thanks`, `a good answer led to ${url}, not /thanks`);
  check((await s.responses()) === 1, 'the first response was not counted once');
}

// Another response: sent, then the back button, then the same page sent again. The browser runs
// without its back/forward cache, so back shows the form from the HTTP cache: the form is
// `private, no-cache` and posts to `/answer`, not to itself, so that copy — and its one-time
// token — is still there, and sending it again records nothing new.
async function backAndAgain(tab, s) {
  await tab.goto(s.page);
  await tab.pick(s.where.id, s.pub);
  await tab.pick(s.who.id, s.bo);
  await tab.write(s.why.id, 'Second');
  const sent = await tab.hiddenFields();
  check((await tab.submit()) === 200, 'the second response did not reach the confirmation page');
  check((await s.responses()) === 2, 'the second response was not counted');
  await tab.back();
  check(
    (await tab.hiddenFields()) === sent,
    'back fetched a fresh form (new hidden fields), so sending it again counts twice',
  );
  // Chromium restores the ticks and text on back; in case it did not, give them again.
  await tab.pick(s.where.id, s.pub);
  await tab.pick(s.who.id, s.bo);
  if ((await tab.value(s.why.id)) === '') await tab.write(s.why.id, 'Second');
  const again = await tab.submit();
  check(again < 500, `sending the same page again answered ${again}`);
  check((await s.responses()) === 2, 'back and send again counted the response twice');
}

// The results page shows what the API counts: each choice's line (or the next) has its count.
async function results(tab, s) {
  const expected = { Pub: 2, Cafe: 0, Park: 0, Ann: 1, Bo: 2, Cy: 0 };
  for (const q of (await s.results()).questions) {
    for (const c of q.choices) {
      const want = expected[c.text];
      check(c.count === want, `the API counts ${c.count} for ${c.text}, not ${want}`);
    }
  }
  check((await tab.goto(`${s.page}/results`)) === 200, 'the public results page is not 200');
  const lines = (await tab.page.$eval('body', (b) => b.innerText)).split('\n');
  const has = (line, word) => new RegExp(`\\b${word}\\b`).test(line ?? '');
  for (const [text, count] of Object.entries(expected)) {
    const at = lines.findIndex((l) => has(l, text));
    const shown = at >= 0 && (has(lines[at], count) || has(lines[at + 1], count));
    check(shown, `the results page does not show ${count} next to "${text}"`);
  }
  for (const answer of ['Keep me', 'Second']) {
    check(lines.some((l) => l.includes(answer)), `the results page does not list "${answer}"`);
  }
}

// A survey that takes one response per user: the page asks to sign in, the sign-in sets its
// cookie and leads back to the form, the answers count once as that user's, and the page then
// says the survey is answered.
async function signedIn(server, tab, shots, owner) {
  const survey = await server.api(
    '/api/surveys/',
    { ...LUNCH, name: 'Lunch, once each', one_response_per_user: true },
    owner,
  );
  const [email, password] = ['ann@example.com', 'ann-has-a-long-password'];
  await server.api('/api/register/', { email, password });
  const page = `${server.url}/s/${survey.id}`;
  check((await tab.goto(page)) === 200, 'the sign-in page is not 200');
  await inspect(tab, shots, 'sign-in');
  await tab.fill('email', email);
  await tab.fill('password', password);
  check((await tab.submit('/signin')) === 200, 'signing in did not lead to a page');
  check(tab.page.url() === page, `signing in led to ${tab.page.url()}, not back to the form`);
  const body = await tab.page.$eval('body', (b) => b.innerText);
  check(body.includes(`Signed in as ${email}`), 'the form does not say who is signed in');
  await inspect(tab, shots, 'signed-in');
  const [where] = survey.questions;
  await tab.pick(where.id, where.choices[0]);
  check((await tab.submit('/answer')) === 200, 'the signed-in answer did not lead to a page');
  check(tab.page.url() === `${page}/thanks`, `the signed-in answer led to ${tab.page.url()}`);
  const responses = async () => (await server.api(`/api/surveys/${survey.id}/results/`)).responses;
  check((await responses()) === 1, 'the signed-in response was not counted once');
  check((await tab.goto(page)) === 409, 'the survey answered already is not 409 on the page');
}

async function story(server, tab, shots) {
  const s = await setUp(server);
  await form(tab, s);
  await inspect(tab, shots, 'form');
  await mistake(tab, s);
  await inspect(tab, shots, 'error');
  await putRight(tab, s);
  await inspect(tab, shots, 'thanks');
  await backAndAgain(tab, s);
  await results(tab, s);
  await inspect(tab, shots, 'results');
  await signedIn(server, tab, shots, s.owner);

  const origin = new URL(server.url).origin;
  const foreign = tab.requests.filter((u) => new URL(u).origin !== origin);
  say(`${tab.requests.length} requests, ${foreign.length} to another origin`);
  check(foreign.length === 0, `requests left the server's origin: ${foreign.join(' ')}`);
  for (const error of tab.consoleErrors) fail(`the browser reported: ${error}`);
}

async function main() {
  const bin = process.argv[2] ?? process.env.CANVASS_BIN;
  if (!bin) {
    console.log('browser: which canvass? pass its path, or set CANVASS_BIN');
    process.exit(2);
  }
  const shots = await mkdtemp(join(tmpdir(), 'canvass-screenshots-'));
  say(`screenshots in ${shots}`);
  let server;
  let browser;
  let cleaning;
  const cleanup = () =>
    // Once, whoever asks first (the end of the run or a signal). Each step bounded, so a wedged
    // browser cannot keep the run (or CI) waiting.
    (cleaning ??= (async () => {
      const bounded = (p) => Promise.race([p, new Promise((r) => setTimeout(r, 5_000))]);
      if (browser) {
        await bounded(browser.close()).catch(() => {});
        browser.process()?.kill('SIGKILL');
      }
      if (server) await bounded(server.stop()).catch(() => {});
    })());
  // The run ends here, not in Puppeteer's own handlers (off in `launch`), so the server goes too.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.once(signal, () => {
      interrupted = code;
      console.log(`browser: failed: ${signal}`);
      cleanup().finally(() => process.exit(code));
    });
  }
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the run took more than ${TIME_LIMIT_MS / 1000}s`)),
      TIME_LIMIT_MS,
    );
  });
  try {
    const run = async () => {
      server = await Server.start(bin);
      say(`server at ${server.url}`);
      browser = await launch(process.env.CHROMIUM ?? '/usr/bin/chromium');
      say(`browser ${await browser.version()}`);
      await story(server, await Tab.open(browser), shots);
    };
    await Promise.race([run(), deadline]);
  } catch (e) {
    if (!interrupted) {
      console.log(`FAIL: ${e.message}`);
      failures.unshift(e.message.split('\n')[0]);
      if (server) console.log(`the server's log ends:\n${server.log.join('\n')}`);
    }
  } finally {
    clearTimeout(timer);
    await cleanup();
  }
  if (interrupted) process.exit(interrupted);
  if (failures.length) {
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more above)` : '';
    console.log(`browser: failed: ${failures[0]}${more}`);
    process.exit(1);
  }
  say('all checks passed');
}

await main();
