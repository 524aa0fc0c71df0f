// Buttons that change something: they ask first, stay disabled while the API works, show failures, keep the focus.
import { byId } from "./dom";
import { clearMessages, confirmAction, type Question } from "./messages";
import { handleFailure } from "./session";

/** Runs action for button: disabled while it runs, failures shown, focus kept on the page if the button went away. */
export async function act(button: HTMLButtonElement, action: () => Promise<void>): Promise<void> {
  clearMessages();
  button.disabled = true;
  try {
    await action();
  } catch (err) {
    handleFailure(err);
  } finally {
    button.disabled = false;
    if (button.hidden || document.activeElement === document.body) {
      const notice = byId("notice");
      (notice.hidden ? byId("main") : notice).focus();
    }
  }
}

/** Makes button ask first (question() gives the dialog's words, as things are at the click), then act(). */
export function askThenAct(button: HTMLButtonElement, question: () => Question, action: () => Promise<void>): void {
  button.addEventListener("click", async () => {
    if (await confirmAction(question())) await act(button, action);
  });
}
