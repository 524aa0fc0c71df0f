// The login session: the token in this tab's sessionStorage, the API client that carries it, logging in and out.
import { createClient, type LineupClient, LineupError, type User } from "@lineup/client";
import { byId, fromTemplate, showView, within } from "./dom";
import { clearMessages, notify, showAlert, showError } from "./messages";
import { stopRefresh } from "./refresh";

const TOKEN_KEY = "lineup.console.token";

/** Shows the view the address names; main.ts hands it over at start (it imports this file, so this one cannot). */
let showRoute = () => {};

/** Every call asks the API itself (no HTTP cache) and sends no cookies: the token is the one credential. */
const fetchFresh = (url: string, init: RequestInit) => fetch(url, { ...init, cache: "no-store", credentials: "omit" });

/** The API client, with this tab's token once someone has logged in. */
export function api(): LineupClient {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  return createClient({ baseUrl: location.origin, token, fetch: fetchFresh });
}

const notAdmin = (email: string) =>
  `${email} is not an operator: the console needs the admin role. An operator grants it with the api's admin command ` +
  `(lineup-api admin grant ${email}); log in again after that.`;

/** Starts the console: the view for a logged-in admin (shown by route), the login form for anyone else. */
export async function startSession(route: () => void): Promise<void> {
  showRoute = route;
  byId("logout").addEventListener("click", logOut);
  if (!sessionStorage.getItem(TOKEN_KEY)) return showLogin();
  try {
    const me = await api().me();
    if (me.role !== "admin") return endSession(notAdmin(me.email));
    enter(me);
  } catch (err) {
    if (err instanceof LineupError && err.status === 401) return endSession("Your session has ended. Log in again.");
    showLogin();
    showError(err);
  }
}

/** What every view does with a failed call: a dead token sends the person to log in (false), the rest is shown. */
export function handleFailure(err: unknown, fromRefresh = false): boolean {
  if (err instanceof LineupError && err.status === 401) {
    endSession("Your session has ended (the token expired or was revoked). Log in again.");
    return false;
  }
  showError(err, fromRefresh);
  return true;
}

function showLogin(): void {
  stopRefresh();
  byId("nav").hidden = true;
  byId("session").hidden = true;
  const { fragment } = fromTemplate("view-login");
  within(fragment, "form", HTMLFormElement).addEventListener("submit", logIn);
  showView(fragment);
  byId("login-email").focus();
}

async function logIn(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const button = within(byId("login-form"), "button", HTMLButtonElement);
  const password = byId("login-password", HTMLInputElement);
  clearMessages();
  button.disabled = true;
  try {
    const credentials = { email: byId("login-email", HTMLInputElement).value, password: password.value };
    const { accessToken } = await api().login(credentials);
    sessionStorage.setItem(TOKEN_KEY, accessToken);
    // Ask for the role now, so a person without it hears why at once rather than on every page.
    const me = await api().me();
    if (me.role === "admin") return enter(me);
    await revokeToken();
    showAlert(notAdmin(me.email));
    password.focus();
  } catch (err) {
    showError(err);
    password.focus();
  } finally {
    button.disabled = false;
  }
}

/** Revokes the token with the API (so a copy of it is worthless too) and forgets it. */
async function revokeToken(): Promise<void> {
  if (sessionStorage.getItem(TOKEN_KEY)) {
    // Forgotten here whatever the API answers: logging out must not fail because the API is away.
    const client = api();
    await client.logout().catch(() => {});
  }
  sessionStorage.removeItem(TOKEN_KEY);
}

async function logOut(): Promise<void> {
  await revokeToken();
  clearMessages();
  showLogin();
  notify("You are logged out.");
}

function endSession(message: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin();
  showAlert(message);
}

function enter(me: User): void {
  byId("who").textContent = me.email;
  byId("nav").hidden = false;
  byId("session").hidden = false;
  showRoute();
}
