/** Creates an element from properties and children. Text goes in as text nodes: profile data is never parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** A button; `autofocus` marks the action keyboard focus moves to when the state changes. */
export function button(
  label: string,
  onClick: () => void,
  options: { primary?: boolean; autofocus?: boolean } = {},
): HTMLButtonElement {
  const node = el('button', { type: 'button', className: options.primary ? 'primary' : 'secondary' }, label);
  if (options.autofocus) node.dataset['autofocus'] = '';
  node.addEventListener('click', onClick);
  return node;
}

/** Up to two initials for the avatar placeholder. */
export function initials(name: string): string {
  const parts = name.split(/[\s@._-]+/).filter(Boolean);
  return (
    parts
      .slice(0, 2)
      .map((part) => part[0]?.toUpperCase() ?? '')
      .join('') || '?'
  ).slice(0, 2);
}

/** "0:07", "2:31": how long the person has been signing in. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
