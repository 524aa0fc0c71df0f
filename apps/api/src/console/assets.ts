// The console's static files, imported as text (Bun's text loader) so `bun build --compile` carries them in the binary.

import style from "./console.css" with { type: "text" };
import script from "./console.js" with { type: "text" };
import page from "./index.html" with { type: "text" };

export const consoleAssets = {
  // Bun's types call any .html import an HTMLBundle (its HTML-imports feature); with type "text" it is the file's text.
  html: page as unknown as string,
  script,
  style,
};
