// A tiny element builder. Text only ever goes in through textContent (never
// innerHTML), so message content can never become markup.

export type Attrs = Record<string, string | number | boolean | null | undefined>;
export type Child = Node | string | null | undefined | false;

export function h(doc: Document, tag: string, attrs: Attrs = {}, children: Child[] = []): HTMLElement {
  const el = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? doc.createTextNode(child) : child);
  }
  return el;
}

/** A codicon glyph; decorative unless given a label. */
export function icon(doc: Document, name: string, label?: string): HTMLElement {
  const el = h(doc, 'span', { class: `codicon codicon-${name}` });
  if (label) {
    el.setAttribute('role', 'img');
    el.setAttribute('aria-label', label);
  } else {
    el.setAttribute('aria-hidden', 'true');
  }
  return el;
}

/** The event target as an element (without the global Element class, which tests on Node lack). */
export function targetElement(event: Event): Element | null {
  const target = event.target as Partial<Element> | null;
  return target && typeof target.closest === 'function' ? (target as Element) : null;
}
