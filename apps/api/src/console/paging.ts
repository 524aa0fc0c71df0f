// Cursor-paged lists (jobs, audit log): one page into a table's rows, and the links to the first and the next page.
import type { PageParams } from "@lineup/client";
import { emptyRow, link } from "./dom";
import { handleFailure } from "./session";

/** A page of a list, as the API answers it. */
type Page<T> = { items: T[]; nextCursor: string | null };

/** The page the address names (?limit=, ?cursor=), left to the API's defaults when it names none. */
function pageParams(params: URLSearchParams): PageParams {
  const limit = params.get("limit");
  return { limit: limit ? Number(limit) : undefined, cursor: params.get("cursor") || undefined };
}

/** One page of a list into rows (a <tbody>) and its pager; a failure is shown. */
export async function showPage<T>(
  list: { rows: HTMLElement; pager: HTMLElement; params: URLSearchParams },
  fetchPage: (page: PageParams) => Promise<Page<T>>,
  toRow: (item: T) => HTMLTableRowElement,
  emptyText: string,
): Promise<void> {
  try {
    const page = await fetchPage(pageParams(list.params));
    const columns = list.rows.closest("table")?.querySelectorAll("thead th").length ?? 1;
    list.rows.replaceChildren(...(page.items.length ? page.items.map(toRow) : [emptyRow(columns, emptyText)]));
    pager(list.pager, list.params, page.nextCursor);
  } catch (err) {
    handleFailure(err);
  }
}

/** "First page" and "Next page" links: cursors only go forward, the first page is always one link away. */
function pager(nav: HTMLElement, params: URLSearchParams, nextCursor: string | null): void {
  const at = (cursor: string | null) => {
    const query = new URLSearchParams(params);
    query.delete("cursor");
    if (cursor) query.set("cursor", cursor);
    return `${location.pathname}${query.size ? `?${query}` : ""}`;
  };
  nav.replaceChildren(
    ...(params.get("cursor") ? [link(at(null), "First page")] : []),
    ...(nextCursor ? [link(at(nextCursor), "Next page", { rel: "next" })] : []),
  );
}
