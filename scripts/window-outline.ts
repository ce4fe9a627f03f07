import { createHash } from 'node:crypto';

/** One element the window draws, as the page reports it. */
export interface OutlineElement {
  readonly depth: number;
  readonly tag: string;
  readonly classes: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
  /** The element's own text (not its children's), whitespace collapsed. */
  readonly text: string;
}

/** Text that differs between runs or providers, and what stands in for it. */
export interface OutlineMask {
  readonly text: string;
  readonly as: string;
  /** Only where it is an element's whole text (initials: "AE" may well occur inside other words). */
  readonly whole?: boolean;
}

// The page-side scripts are source text, not functions: the test runner's TypeScript loader may
// wrap functions in helpers that do not exist in the page, and this project's Node types have no DOM.

/**
 * Lists the visible elements of the window's body in document order. Elements that draw nothing
 * (display: none, hidden, or the 1×1 px "visually hidden" text for screen readers) are left out
 * with their children: the fingerprint is of what the picture shows.
 */
export const OUTLINE_IN_PAGE = `(() => {
  const ATTRIBUTES = ['id', 'role', 'aria-label', 'aria-current', 'alt', 'disabled', 'src'];
  const found = [];
  const visit = (element, depth) => {
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    const drawsNothing = style.display !== 'contents' && box.width <= 1 && box.height <= 1;
    if (style.display === 'none' || style.visibility === 'hidden' || drawsNothing) return;
    const attributes = {};
    for (const name of ATTRIBUTES) {
      const value = element.getAttribute(name);
      if (value !== null) attributes[name] = value;
    }
    const text = Array.from(element.childNodes)
      .filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent)
      .join(' ')
      .replace(/\\s+/g, ' ')
      .trim();
    found.push({ depth, tag: element.tagName.toLowerCase(), classes: Array.from(element.classList).sort(), attributes, text });
    for (const child of Array.from(element.children)) visit(child, depth + 1);
  };
  visit(document.body, 0);
  return found;
})()`;

/**
 * Resolves once the window has stopped changing for `quietMs` (a state push and the re-render
 * after the button's own call both landed), its images have loaded or failed, and its fonts are in.
 * The sign-in timer rewrites its text every second, so `quietMs` must stay well under that.
 */
export function settledInPage(quietMs: number): string {
  return `new Promise((resolve) => {
    let timer = 0;
    const done = () => {
      if (Array.from(document.images).some((image) => !image.complete)) {
        timer = setTimeout(done, 50);
        return;
      }
      observer.disconnect();
      resolve();
    };
    const observer = new MutationObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(done, ${quietMs});
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    timer = setTimeout(done, ${quietMs});
  })
    .then(() => document.fonts.ready)
    .then(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)))))`;
}

/** A Vite content hash in a built file name: `icon-B2x_9kQe.svg`. */
const BUILD_HASH = /-[\w-]{8}(?=\.\w+$)/;
/** The provider's loopback port changes every run; `npm start` uses 4400 when it is free. */
const LOOPBACK_PORT = /\b127\.0\.0\.1:\d+/g;
/** The sign-in timer ("0:07"). */
const ELAPSED = /^\d+:\d{2}$/;

function masked(text: string, masks: readonly OutlineMask[]): string {
  let result = text.replace(LOOPBACK_PORT, '127.0.0.1:<port>');
  for (const mask of masks) {
    if (!mask.whole) result = result.split(mask.text).join(mask.as);
    else if (result === mask.text) result = mask.as;
  }
  return ELAPSED.test(result) ? '<elapsed>' : result;
}

function describeAttribute(name: string, value: string, masks: readonly OutlineMask[]): string {
  // Only the file name of a picture: where the build puts it and its content hash are not the UI.
  if (name === 'src') return `[src=${(value.split(/[/?#]/).filter(Boolean).pop() ?? value).replace(BUILD_HASH, '')}]`;
  return value === '' ? `[${name}]` : `[${name}=${masked(value, masks)}]`;
}

/**
 * One line per drawn element, indented by depth: tag, id, classes, roles and labels, own text.
 * `masks` are replaced longest first, so a name is not half-replaced by a shorter mask inside it.
 */
export function outlineLines(elements: readonly OutlineElement[], masks: readonly OutlineMask[]): string[] {
  const ordered = [...masks].filter((mask) => mask.text !== '').sort((a, b) => b.text.length - a.text.length);
  return elements.map((element) => {
    const { id, ...rest } = element.attributes;
    const attributes = Object.entries(rest)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => describeAttribute(name, value, ordered));
    const text = element.text === '' ? '' : ` "${masked(element.text, ordered)}"`;
    return (
      '  '.repeat(element.depth) +
      element.tag +
      (id ? `#${id}` : '') +
      element.classes.map((name) => `.${name}`).join('') +
      attributes.join('') +
      text
    );
  });
}

/** A short, stable hash of an outline. */
export function outlineFingerprint(lines: readonly string[]): string {
  return `sha256:${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 32)}`;
}
