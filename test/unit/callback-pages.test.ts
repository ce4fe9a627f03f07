import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  LOOPBACK_SECURITY_HEADERS,
  escapeHtml,
  renderBrowserPage,
  type BrowserPageOutcome,
} from '../../src/main/auth/loopback/callback-pages.js';

const OUTCOMES: BrowserPageOutcome[] = [
  { kind: 'signed-in' },
  { kind: 'signed-out' },
  { kind: 'failed', message: 'Something failed.' },
  { kind: 'not-found' },
];

describe('escapeHtml', () => {
  test('escapes the five HTML-significant characters', () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;',
    );
  });

  test('leaves other text alone; escaping twice escapes the ampersand again', () => {
    assert.equal(escapeHtml('plain text – é 123'), 'plain text – é 123');
    assert.equal(escapeHtml(escapeHtml('&')), '&#38;#38;');
  });
});

describe('renderBrowserPage', () => {
  test('escapes a hostile failure message and app name', () => {
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const page = renderBrowserPage({ kind: 'failed', message: hostile }, 'App <b>"name"</b>');
    assert.doesNotMatch(page, /<script/i);
    assert.doesNotMatch(page, /<img/i);
    assert.doesNotMatch(page, /<b>/);
    assert.ok(page.includes(escapeHtml(hostile)), 'the message is shown, escaped');
    assert.ok(page.includes(escapeHtml('App <b>"name"</b>')));
  });

  test('a sign-in the keychain could not save says it lasts until the app quits', () => {
    const saved = renderBrowserPage({ kind: 'signed-in' }, 'Desktop Login');
    const thisRunOnly = renderBrowserPage({ kind: 'signed-in', thisRunOnly: true }, 'Desktop Login');
    assert.match(thisRunOnly, /<h1>You are signed in<\/h1>/);
    assert.match(thisRunOnly, /keychain is unavailable, so Desktop Login will not remember you after you quit/);
    assert.doesNotMatch(saved, /keychain/);
  });

  test('each outcome has its own title', () => {
    const titles = OUTCOMES.map((outcome) => /<h1>(.*?)<\/h1>/.exec(renderBrowserPage(outcome, 'Desktop Login'))?.[1]);
    assert.deepEqual(titles, ['You are signed in', 'You are signed out', 'Sign-in did not complete', 'Nothing here']);
  });

  test('pages load nothing from elsewhere: no scripts, no external URLs', () => {
    for (const outcome of OUTCOMES) {
      const page = renderBrowserPage(outcome, 'Desktop Login');
      assert.doesNotMatch(page, /<script/i);
      assert.doesNotMatch(page, /(?:src|href)="(?!data:)/i);
      assert.doesNotMatch(page, /https?:\/\//i);
    }
  });

  test('the CSP style hash matches the <style> element actually rendered', () => {
    const csp = LOOPBACK_SECURITY_HEADERS['Content-Security-Policy'] ?? '';
    assert.match(csp, /^default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    const hashes = [...csp.matchAll(/'sha256-([A-Za-z0-9+/=]+)'/g)].map((match) => match[1]);
    assert.equal(hashes.length, 1);
    for (const outcome of OUTCOMES) {
      const page = renderBrowserPage(outcome, 'Desktop Login');
      const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)];
      assert.equal(styles.length, 1);
      const rendered = createHash('sha256')
        .update(styles[0]?.[1] ?? '', 'utf8')
        .digest('base64');
      assert.equal(rendered, hashes[0]);
      assert.doesNotMatch(page, /style="/, 'inline style attributes would be blocked by the CSP');
    }
  });

  test('the security headers forbid caching, referrers and framing', () => {
    assert.equal(LOOPBACK_SECURITY_HEADERS['Cache-Control'], 'no-store');
    assert.equal(LOOPBACK_SECURITY_HEADERS['Referrer-Policy'], 'no-referrer');
    assert.equal(LOOPBACK_SECURITY_HEADERS['X-Content-Type-Options'], 'nosniff');
    assert.equal(LOOPBACK_SECURITY_HEADERS['X-Frame-Options'], 'DENY');
  });
});
