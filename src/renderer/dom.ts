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

/** How a button looks and behaves beyond its label. */
export interface ButtonOptions {
  readonly primary?: boolean;
  /** Drawn as a text link: an action that should not compete with the buttons beside it. */
  readonly link?: boolean;
  /** Keyboard focus moves here when the state changes. */
  readonly autofocus?: boolean;
  /**
   * Names what the button does; focus follows it across a re-render even when the label changes
   * ("Call API" becoming "Calling the API…").
   */
  readonly action: string;
  /** While set, the button shows this label, is marked busy and disabled, and ignores presses. */
  readonly busyLabel?: string | undefined;
}

/**
 * A button. A busy one stays focusable (aria-disabled rather than `disabled`, which would drop
 * keyboard focus to the page) and ignores presses, so a double click cannot start its work twice.
 */
export function button(label: string, onClick: () => void, options: ButtonOptions): HTMLButtonElement {
  const busy = options.busyLabel !== undefined;
  const node = el(
    'button',
    { type: 'button', className: options.primary ? 'primary' : options.link ? 'link' : 'secondary' },
    busy ? options.busyLabel : label,
  );
  node.dataset['action'] = options.action;
  if (options.autofocus) node.dataset['autofocus'] = '';
  if (busy) {
    node.setAttribute('aria-busy', 'true');
    node.setAttribute('aria-disabled', 'true');
  }
  node.addEventListener('click', () => {
    if (node.getAttribute('aria-disabled') !== 'true') onClick();
  });
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

/** "Waiting for 41 seconds", "Waiting for 2 minutes 5 seconds": the elapsed time as a screen reader says it. */
export function elapsedLabel(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  const unit = (count: number, name: string): string => `${count} ${name}${count === 1 ? '' : 's'}`;
  const parts = [
    ...(minutes > 0 ? [unit(minutes, 'minute')] : []),
    ...(seconds > 0 || minutes === 0 ? [unit(seconds, 'second')] : []),
  ];
  return `Waiting for ${parts.join(' ')}`;
}
