// The real browser of the browser tests: Debian's chromium (installed by package name by
// install_chromium.sh; puppeteer-core never downloads one), launched headless with no
// background traffic, and the browser's login drivers, which act on a provider's pages the
// way the user does (user_agent.mjs posts the same forms without a browser).
//
// Used by browser_rp.mjs (a sign-in for an openid-client relying party) and
// login_app_browser.mjs (the login layer's example application).

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';

import puppeteer from 'puppeteer-core';

import { PASSWORD, USERNAME } from './user_agent.mjs';

/** Longest wait for one page or element. */
export const WAIT_MS = 15_000;
/** Most provider pages one interaction may show (login, consent, a confirmation, spares). */
export const MAX_PAGES = 6;
/** The browser Debian's `chromium` package installs. */
export const CHROMIUM = process.env.AUTHCORE_CHROMIUM ?? '/usr/bin/chromium';

// Which elements of a provider's pages the user fills in and presses.
export const BROWSER_DRIVERS = {
  // authcore serve's form contract (crates/authcore-hyper ui.rs): ids username, password,
  // login; approve; the end-session confirmation's logout.
  authcore: {
    login: { username: '#username', password: '#password', submit: '#login' },
    consent: '#approve',
    logout: '#logout',
  },
  // node oidc-provider's development interactions and its end-session confirmation.
  'oidc-provider': {
    login: { username: 'input[name="login"]', password: 'input[name="password"]', submit: 'button[type="submit"]' },
    consent: 'form button[type="submit"]',
    logout: 'button[name="logout"][value="yes"]',
  },
};

/** The browser login driver `name`; throws for an unknown one. */
export function browserDriver(name) {
  const driver = BROWSER_DRIVERS[name];
  if (!driver) throw new Error(`no browser driver ${name}`);
  return driver;
}

/**
 * A headless chromium with a fresh profile (removed by `close`). Every protocol call and
 * navigation is bounded by WAIT_MS.
 */
export async function launchBrowser() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'authcore-chromium-'));
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir,
      // No background traffic: the machine reaches nothing but loopback.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      timeout: WAIT_MS,
      protocolTimeout: WAIT_MS * 2,
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    browser,
    /** A new tab with every wait bounded. */
    async newPage() {
      const page = await browser.newPage();
      page.setDefaultTimeout(WAIT_MS);
      page.setDefaultNavigationTimeout(WAIT_MS);
      return page;
    },
    /** Closes the browser and removes its profile, whatever state it is in. */
    async close() {
      await browser.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Screenshots into `outDir`, numbered in the order taken: `shoot(page, 'login')` writes
 * `NN-login.png`.
 */
export function screenshots(outDir) {
  mkdirSync(outDir, { recursive: true });
  let n = 0;
  return async (page, name) => {
    n += 1;
    await page.screenshot({ path: join(outDir, `${String(n).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
}

/** Clicks `selector` and waits (bounded) for the navigation it starts. */
export async function clickAndWait(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

/**
 * Acts on the provider's pages as the user, through `driver`, until `done(page)` says the
 * interaction is over (the browser is back at the application, say): fills in the login form
 * as USERNAME, approves consent, confirms a sign-out. Screenshots every provider page with
 * `shoot`; counts what it did in `seen` (`login`, `consent`, `logout`). A page the driver does
 * not know fails with its content. At most MAX_PAGES pages.
 */
export async function throughProvider(page, driver, { done, shoot, seen = {} }) {
  for (let i = 0; i < MAX_PAGES; i++) {
    if (await done(page)) return seen;
    if (await page.$(driver.login.username)) {
      await shoot(page, 'login');
      await page.type(driver.login.username, USERNAME);
      await page.type(driver.login.password, PASSWORD);
      await clickAndWait(page, driver.login.submit);
      seen.login = (seen.login ?? 0) + 1;
    } else if (await page.$(driver.logout)) {
      // Before consent: oidc-provider's consent selector is generic.
      await shoot(page, 'logout-confirmation');
      await clickAndWait(page, driver.logout);
      seen.logout = (seen.logout ?? 0) + 1;
    } else if (await page.$(driver.consent)) {
      await shoot(page, 'consent');
      await clickAndWait(page, driver.consent);
      seen.consent = (seen.consent ?? 0) + 1;
    } else {
      await shoot(page, 'unexpected');
      throw new Error(`a page the browser driver does not know: ${page.url()}\n${(await page.content()).slice(0, 2000)}`);
    }
  }
  if (await done(page)) return seen;
  throw new Error(`the interaction did not end within ${MAX_PAGES} pages; at ${page.url()}`);
}
