import { expect, test, type Page } from '@playwright/test';

/** The window's default and minimum content sizes (src/main/window.ts, useContentSize). */
export const WINDOW_SIZES = [
  { name: 'default 480×640', width: 480, height: 640 },
  { name: 'minimum 380×520', width: 380, height: 520 },
] as const;

export const COLOR_SCHEMES = ['light', 'dark'] as const;

/** One button as the layout check found it. */
interface ButtonPlace {
  readonly name: string;
  readonly primary: boolean;
  /** Fully inside the viewport and inside every box that clips it, with nothing scrolled. */
  readonly inView: boolean;
}

/** What the layout check measures in the page. */
interface LayoutReport {
  readonly darkScheme: boolean;
  /** How far the document scrolls, horizontally and vertically (0 when it does not). */
  readonly pageScroll: { readonly x: number; readonly y: number };
  /** How far the card scrolls: its last resort when even the shrinking boxes cannot make room. */
  readonly cardScroll: number;
  readonly buttons: readonly ButtonPlace[];
  /** Elements sticking out of the viewport sideways. */
  readonly wide: readonly string[];
  /** Text whose contrast against its background is under WCAG AA. */
  readonly lowContrast: readonly string[];
  /** Elements still animating: their colours would be a frame in between, not what settles. */
  readonly moving: readonly string[];
}

// Runs in the page as is: this project's Node types have no DOM, so the script is a string.
const MEASURE = String.raw`(() => {
  const round = (value) => Math.round(value * 10) / 10;
  const html = document.documentElement;
  const viewport = { top: 0, left: 0, bottom: innerHeight, right: innerWidth };
  const describe = (node) => node.tagName.toLowerCase() + (node.className ? '.' + String(node.className).replace(/ /g, '.') : '') + ' "' + (node.textContent || '').trim().slice(0, 40) + '"';
  const clippers = (node) => {
    const found = [];
    for (let up = node.parentElement; up && up !== html; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') found.push(up);
    }
    return found;
  };
  const clipBox = (node) => {
    const box = node.getBoundingClientRect();
    const top = box.top + node.clientTop;
    const left = box.left + node.clientLeft;
    return { top, left, bottom: top + node.clientHeight, right: left + node.clientWidth };
  };
  const within = (rect, box) => rect.top >= box.top - 0.5 && rect.left >= box.left - 0.5 && rect.bottom <= box.bottom + 0.5 && rect.right <= box.right + 0.5;
  const inView = (node) => {
    const rect = node.getBoundingClientRect();
    return within(rect, viewport) && clippers(node).every((box) => within(rect, clipBox(box)));
  };
  const shown = (node) => node.getClientRects().length > 0 && !node.closest('.visually-hidden');
  const buttons = [...document.querySelectorAll('button')].filter(shown).map((node) => ({
    name: node.textContent.trim(),
    primary: node.classList.contains('primary'),
    inView: inView(node),
  }));
  const wide = [...document.body.querySelectorAll('*')]
    .filter(shown)
    .filter((node) => { const rect = node.getBoundingClientRect(); return rect.right > innerWidth + 0.5 || rect.left < -0.5; })
    .map(describe);
  const channel = (value) => { const c = value / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const parse = (color) => (color.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const backdrop = (node) => {
    for (let up = node; up; up = up.parentElement) {
      const rgba = parse(getComputedStyle(up).backgroundColor);
      if (rgba.length === 3 || (rgba.length === 4 && rgba[3] === 1)) return rgba;
    }
    return parse(getComputedStyle(html).backgroundColor);
  };
  const lowContrast = [...document.body.querySelectorAll('*')]
    .filter(shown)
    .filter((node) => [...node.childNodes].some((child) => child.nodeType === 3 && child.textContent.trim() !== ''))
    .filter((node) => !node.closest('[aria-hidden="true"]'))
    .filter((node) => {
      const style = getComputedStyle(node);
      const text = luminance(parse(style.color));
      const back = luminance(backdrop(node));
      const ratio = (Math.max(text, back) + 0.05) / (Math.min(text, back) + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      return ratio < (large ? 3 : 4.5);
    })
    .map(describe);
  const card = document.querySelector('.card');
  const moving = document.getAnimations().filter((animation) => animation.playState === 'running').map((animation) => describe(animation.effect.target));
  return {
    moving,
    darkScheme: matchMedia('(prefers-color-scheme: dark)').matches,
    pageScroll: { x: round(html.scrollWidth - html.clientWidth), y: round(html.scrollHeight - html.clientHeight) },
    cardScroll: card ? round(card.scrollHeight - card.clientHeight) : 0,
    buttons,
    wide,
    lowContrast,
  };
})()`;

// Two frames: the first lays out the new size or scheme, the hover follows the layout in the next.
const SETTLED = String.raw`new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))`;

/** What tells one screen from another: the state, its headings, its buttons and the current sign-in step. */
const SCREEN_SIGNATURE = String.raw`[
  document.querySelector('.card')?.className,
  ...[...document.querySelectorAll('main h1, main h2, main button, main [aria-current="step"], main [role="status"]')]
    .map((node) => node.textContent),
].join(' | ')`;

/**
 * Checks the state on screen at the window's default and minimum size, in light and dark. At
 * both sizes: the page never scrolls, nothing sticks out sideways, text has AA contrast, every
 * button is in view with nothing scrolled, and the card does not need its last-resort scroll.
 * Only long content (the API response, the setup checklist, a long settings message) may scroll,
 * inside its own box. A failure attaches a screenshot of what was measured. Leaves the page at
 * the default size in the light scheme.
 */
export async function expectFitsTheWindow(page: Page, state: string): Promise<void> {
  const shown = await page.evaluate<string>(SCREEN_SIGNATURE);
  for (const size of WINDOW_SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    for (const scheme of COLOR_SCHEMES) {
      // Colours change with a short transition, and a resize moves the hover to another button a
      // frame later, restarting one mid-way: measure with motion reduced (the stylesheet then draws
      // no transitions, as for a person who asked for that) once the hover has followed the layout.
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      await page.evaluate(SETTLED);
      const where = `${state}, ${size.name}, ${scheme}`;
      const report = await page.evaluate<LayoutReport>(MEASURE);
      try {
        expect(report.darkScheme, `${where}: the colour scheme applies`).toBe(scheme === 'dark');
        expect(report.pageScroll, `${where}: the page does not scroll`).toEqual({ x: 0, y: 0 });
        expect(report.wide, `${where}: nothing sticks out sideways`).toEqual([]);
        expect(report.moving, `${where}: nothing is moving while measured`).toEqual([]);
        expect(report.lowContrast, `${where}: text has AA contrast`).toEqual([]);
        expect(
          report.buttons.filter((button) => !button.inView).map((button) => button.name),
          `${where}: every button in view without scrolling`,
        ).toEqual([]);
        expect(report.cardScroll, `${where}: the card fits without scrolling`).toBe(0);
      } catch (error) {
        await test.info().attach(where, { body: await page.screenshot(), contentType: 'image/png' });
        throw error;
      }
    }
  }
  // A state held by a delay must outlast the measuring, or the checks above measured another one.
  expect(await page.evaluate<string>(SCREEN_SIGNATURE), `${state}: still on screen after measuring`).toBe(shown);
  await page.setViewportSize({ width: WINDOW_SIZES[0].width, height: WINDOW_SIZES[0].height });
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: null });
}
