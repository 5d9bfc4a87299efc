// Headless Chromium with JavaScript off in the page, and what a respondent does in it: click a
// label, type, submit, go back. Also the page-wide checks: axe, width at 375 px, screenshots.
import axe from 'axe-core';
import puppeteer from 'puppeteer-core';
import { join } from 'node:path';

// The flags issue 16 names: no sandbox (CI runs as root in a container), and none of Chromium's
// own traffic (updates, sync, first-run pages), so every request seen is the page's. Without
// the back/forward cache, as Firefox and Safari go back from a `no-store` page: the back
// button must then be safe by the HTTP cache alone.
const FLAGS = [
  '--disable-features=BackForwardCache',
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const WAIT_MS = 10_000; // any one click, navigation or evaluation
export const PHONE = 375;
export const DESKTOP = 1280;

export async function launch(executablePath) {
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: FLAGS,
    timeout: 30_000,
    protocolTimeout: WAIT_MS * 3,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

/** One tab with JavaScript off, recording every request and every console message. */
export class Tab {
  static async open(browser) {
    const page = await browser.newPage();
    // A respondent on a phone. Resizing never changes `isMobile`: Puppeteer reloads the page
    // when it does, and a reload of a POST's answer would post it again. So the viewport meta
    // tag, which a real phone needs, is checked by `phoneReady` instead.
    await page.setViewport({ width: PHONE, height: 800 });
    await page.setJavaScriptEnabled(false);
    page.setDefaultTimeout(WAIT_MS);
    page.setDefaultNavigationTimeout(WAIT_MS);
    return new Tab(page);
  }

  constructor(page) {
    this.page = page;
    this.requests = [];
    // With scripts off, only Chromium writes to the console: CSP refusals and failed loads.
    this.consoleErrors = [];
    page.on('request', (r) => this.requests.push(r.url()));
    page.on('console', (m) => {
      // Chromium logs a 4xx document as a failed load too; the story checks those statuses.
      const isDocument = m.location()?.url === page.url() && /^Failed to load/.test(m.text());
      if (m.type() === 'error' && !isDocument) {
        this.consoleErrors.push(`${page.url()}: ${m.text()}`);
      }
    });
  }

  /** Navigates and returns the HTTP status. */
  async goto(url) {
    return (await this.page.goto(url, { waitUntil: 'load' }))?.status();
  }

  async back() {
    return (await this.page.goBack({ waitUntil: 'load' }))?.status();
  }

  /**
   * Clicks the submit button of the form posting to `action` (a path's end; by default the
   * page's answers) and returns the status of the page it leads to.
   */
  async submit(action = '/answer') {
    const [response] = await Promise.all([
      this.page.waitForNavigation({ waitUntil: 'load' }),
      this.page.click(`form[method="post" i][action$="${action}"] button[type="submit"]`),
    ]);
    return response?.status();
  }

  /** The input for question `q` (and choice `value`), failing if it is missing. */
  async input(q, value) {
    const selector =
      value === undefined ? `[name="q${q}"]` : `input[name="q${q}"][value="${value}"]`;
    const input = await this.page.$(selector);
    if (!input) throw new Error(`${this.page.url()} has no ${selector}`);
    return input;
  }

  /** The control's first `<label>`, through the DOM's own `labels` (`for=` or wrapping). */
  async label(input) {
    const label = (await input.evaluateHandle((el) => el.labels?.[0] ?? null)).asElement();
    if (!label) {
      const name = await input.evaluate((el) => `${el.name}=${el.value}`);
      throw new Error(`${this.page.url()}: the control ${name} has no <label>`);
    }
    return label;
  }

  /** Ticks a radio button or checkbox by clicking its label, as a person would. */
  async pick(q, choice) {
    const input = await this.input(q, choice.id);
    if (await input.evaluate((el) => el.checked)) return;
    await (await this.label(input)).click();
    if (!(await input.evaluate((el) => el.checked))) {
      throw new Error(`clicking the label of "${choice.text}" did not select it`);
    }
  }

  /** Clicks a text question's label (which must focus its textarea) and types. */
  async write(q, text) {
    await this.type(await this.input(q), text);
  }

  /** Clicks the label of the form field named `name` (which must focus it) and types. */
  async fill(name, text) {
    const input = await this.page.$(`input[name="${name}"]`);
    if (!input) throw new Error(`${this.page.url()} has no input named ${name}`);
    await this.type(input, text);
  }

  async type(input, text) {
    await (await this.label(input)).click();
    if (!(await input.evaluate((el) => el === document.activeElement))) {
      const name = await input.evaluate((el) => el.name);
      throw new Error(`clicking the label of ${name} did not focus its box`);
    }
    await this.page.keyboard.type(text);
  }

  async checked(q, choice) {
    return (await this.input(q, choice.id)).evaluate((el) => el.checked);
  }

  async value(q) {
    return (await this.input(q)).evaluate((el) => el.value);
  }

  /** The form's hidden fields: the one-time token lives there. */
  async hiddenFields() {
    return this.page.$$eval('form input[type="hidden"]', (els) =>
      els.map((el) => `${el.name}=${el.value}`).join('&'),
    );
  }

  /**
   * Runs axe-core on the document as it is. axe cannot run with scripting off: loading it
   * works, but `axe.run` crashes the renderer ("Target closed", Chromium 156). So scripting is
   * switched on for the scan only, and off again; the next page loads with it off. That changes
   * nothing the page shows: the document was parsed with scripts off and nothing re-runs.
   * Scanning this same document (rather than its HTML copied into a second, JS-enabled page)
   * keeps its origin, stylesheet and CSP, which the colour rules depend on, and works for the
   * answer to a POST, which a second page could not fetch again. `evaluate` goes through
   * DevTools, so the page's CSP (no scripts at all) does not stop axe.
   */
  async axe() {
    await this.page.setJavaScriptEnabled(true);
    try {
      await this.page.evaluate(axe.source);
      return await this.page.evaluate(() =>
        axe.run(document, { resultTypes: ['violations'] }).then((r) => ({
          passed: r.passes.length,
          violations: r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            targets: v.nodes.map((n) => n.target.join(' ')),
          })),
        })),
      );
    } finally {
      await this.page.setJavaScriptEnabled(false);
    }
  }

  /** Whether the page asks phones to lay it out at their own width (else they use ~980 px). */
  async phoneReady() {
    return this.page.$$eval('meta[name="viewport"]', (els) =>
      els.some((el) => /width\s*=\s*device-width/.test(el.content)),
    );
  }

  async colorScheme(value) {
    await this.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value }]);
  }

  async resize(width) {
    await this.page.setViewport({ width, height: 800 });
  }

  /** A whole-page screenshot at `width`; returns the page's scroll width there. */
  async screenshot(dir, name, width) {
    await this.resize(width);
    await this.page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
    return this.page.evaluate(() => document.documentElement.scrollWidth);
  }
}
