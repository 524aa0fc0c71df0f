// The page's messages: the alert (what went wrong), the notice (what was done) and the dialog that asks first.
import { LineupError } from "@lineup/client";
import { byId, el } from "./dom";

/** Whether the alert shown came from a view's refresh: the next refresh that goes through takes it away. */
let alertFromRefresh = false;

/** Shows text in the alert, with a list of details under it. */
export function showAlert(text: string, details: string[] = [], fromRefresh = false): void {
  const box = byId("alert");
  box.replaceChildren(el("strong", {}, text));
  if (details.length) box.append(el("ul", {}, ...details.map((d) => el("li", {}, d))));
  box.hidden = false;
  alertFromRefresh = fromRefresh;
}

/** Shows what went wrong: the API's message, with its details and when to try again, or the console's own failure. */
export function showError(err: unknown, fromRefresh = false): void {
  if (!(err instanceof LineupError)) {
    showAlert(`The console failed: ${err instanceof Error ? err.message : String(err)}`, [], fromRefresh);
    return;
  }
  let text = err.message;
  if (err.status === 0) text = "The API cannot be reached. Check the connection and try again.";
  // No error body of the API's (a proxy's page, say): the status says more than the page's text would.
  else if (err.code === `http_${err.status}`) text = `The API answered ${err.status}.`;
  if (err.retryAfter !== undefined) text += ` Try again in ${err.retryAfter} s.`;
  const details = err.details.map((d) => (d.path ? `${d.path}: ${d.message}` : String(d.message ?? "")));
  showAlert(text, details, fromRefresh);
}

/** Says what was done, in the status line (read out by screen readers). */
export function notify(text: string): void {
  const notice = byId("notice");
  notice.textContent = text;
  notice.hidden = false;
}

export function clearMessages(): void {
  byId("alert").hidden = true;
  byId("notice").hidden = true;
}

/** A refresh went through: an error an earlier refresh showed is over. */
export function refreshed(): void {
  if (alertFromRefresh) byId("alert").hidden = true;
}

/** What the dialog asks: its title and text, the confirming button's words, and the safe answer's. */
export type Question = { title: string; body: string; confirm: string; keep?: string; danger?: boolean };

/** Asks in a modal dialog (keyboard reachable, Escape says no); the safe answer has the focus. */
export function confirmAction({
  title,
  body,
  confirm,
  keep = "Keep as is",
  danger = false,
}: Question): Promise<boolean> {
  const dialog = byId("confirm", HTMLDialogElement);
  const yes = byId("confirm-yes", HTMLButtonElement);
  const no = byId("confirm-no", HTMLButtonElement);
  byId("confirm-title").textContent = title;
  byId("confirm-body").textContent = body;
  yes.textContent = confirm;
  yes.className = danger ? "danger" : "primary";
  no.textContent = keep;
  return new Promise((resolve) => {
    const finish = (answer: boolean) => {
      yes.onclick = null;
      no.onclick = null;
      dialog.oncancel = null;
      dialog.close();
      resolve(answer);
    };
    yes.onclick = () => finish(true);
    no.onclick = () => finish(false);
    dialog.oncancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    dialog.showModal();
    no.focus();
  });
}
