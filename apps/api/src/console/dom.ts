// Element helpers: find the page's elements, fill its templates, build elements whose strings are text, not markup.

/** An element class (HTMLButtonElement, say), to check that an element is what the code takes it for. */
type Kind<T extends Element> = abstract new (...args: never[]) => T;

/** Something to put in an element: a node, or a string (as text); null and undefined are left out. */
export type Child = Node | string | null | undefined;

type Attributes = Record<string, string | number | boolean | null | undefined>;

/** node, if it is a T; otherwise index.html and the code disagree, which is a bug to hear about at once. */
export function asKind<T extends Element>(node: Element | null, kind: Kind<T>, what: string): T {
  if (node instanceof kind) return node;
  throw new Error(`the page has no ${what} of kind ${kind.name}`);
}

/** The page's element with this id: an HTMLElement, or of the kind given. */
export function byId(id: string): HTMLElement;
export function byId<T extends HTMLElement>(id: string, kind: Kind<T>): T;
export function byId(id: string, kind: Kind<HTMLElement> = HTMLElement): HTMLElement {
  return asKind(document.getElementById(id), kind, `#${id}`);
}

/** The first element under root the selector finds, of the kind given. */
export function within<T extends Element>(root: ParentNode, selector: string, kind: Kind<T>): T {
  return asKind(root.querySelector(selector), kind, selector);
}

/** A copy of the page's <template id="...">, and slot(name) for its element marked data-slot="name". */
export function fromTemplate(id: string) {
  const fragment = document.importNode(byId(id, HTMLTemplateElement).content, true);
  const slots = new Map<string, HTMLElement>();
  for (const node of fragment.querySelectorAll<HTMLElement>("[data-slot]")) slots.set(node.dataset.slot ?? "", node);
  function slot(name: string): HTMLElement;
  function slot<T extends HTMLElement>(name: string, kind: Kind<T>): T;
  function slot(name: string, kind: Kind<HTMLElement> = HTMLElement): HTMLElement {
    return asKind(slots.get(name) ?? null, kind, `slot "${name}" in #${id}`);
  }
  return { fragment, slot };
}

/** Puts content in the page's view, in place of the view before. */
export function showView(content: Node): void {
  byId("view").replaceChildren(content);
}

/**
 * An element with attributes (true: present and empty; false, null, undefined: absent) and children. This is how the
 * API's data reaches the page: as text nodes, never parsed as HTML, for payloads, groups and errors are users' words.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((c): c is Node | string => c !== null && c !== undefined));
  return node;
}

/** A table row; a cell given as a <td> is used as it is, anything else is put in one. */
export const row = (...cells: (Node | string)[]) =>
  el("tr", {}, ...cells.map((c) => (c instanceof HTMLTableCellElement ? c : el("td", {}, c))));

/** The one row of a table with nothing to list, saying so across every column. */
export const emptyRow = (columns: number, text: string) =>
  el("tr", {}, el("td", { colspan: columns, class: "empty" }, text));

export const link = (href: string, text: string, attrs: Attributes = {}) => el("a", { href, ...attrs }, text);

/** An ISO instant in the reader's time zone, machine-readable in its datetime; "—" when there is none. */
export const time = (iso: string | undefined): Node | string =>
  iso ? el("time", { datetime: iso }, new Date(iso).toLocaleString()) : "—";

/** A status word in a badge; kind picks its colour (console.css), the word itself unless said. */
export const badge = (text: string, kind = text) => el("span", { class: `badge ${kind}` }, text);
