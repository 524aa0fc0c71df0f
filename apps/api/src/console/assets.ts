// The console's files, inside the api and so in its compiled binary: page and stylesheet as text, script by macro.
import { consoleScript } from "./bundle" with { type: "macro" };
import style from "./console.css" with { type: "text" };
import page from "./index.html" with { type: "text" };

export const consoleAssets = {
  // Bun's types call any .html import an HTMLBundle (its HTML-imports feature); with type "text" it is the file's text.
  html: page as unknown as string,
  script: consoleScript(),
  style,
};
