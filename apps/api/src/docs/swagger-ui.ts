// The API reference page: Swagger UI (the swagger-ui-dist package, pinned), served by the api itself, so /docs works
// with no internet and under a CSP that allows 'self' only. Every asset's name carries a hash of its content, so it
// can be cached for good.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import faviconPath from "swagger-ui-dist/favicon-32x32.png" with { type: "file" };
import swaggerCss from "swagger-ui-dist/swagger-ui.css" with { type: "text" };
import swaggerJs from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "text" };
import { ASSETS_PATH } from "./paths";

export type Asset = { body: string | Uint8Array; type: string };

// Our own start-up script: no inline script is allowed. validatorUrl null keeps Swagger UI from asking
// validator.swagger.io for a badge.
const initJs = `window.ui = SwaggerUIBundle({
  url: "/docs/json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
});
`;

export type SwaggerUi = { page: string; assets: Map<string, Asset> };

export function swaggerUi(): SwaggerUi {
  const assets = new Map<string, Asset>();
  const add = (suffix: string, asset: Asset) => {
    const name = `${hashOf(asset.body)}-${suffix}`;
    assets.set(name, asset);
    return `${ASSETS_PATH}/${name}`;
  };
  const css = moveImagesOut(swaggerCss, add);
  const cssUrl = add("swagger-ui.css", { body: css, type: "text/css; charset=utf-8" });
  const jsUrl = add("swagger-ui-bundle.js", { body: swaggerJs, type: "text/javascript; charset=utf-8" });
  const initUrl = add("init.js", { body: initJs, type: "text/javascript; charset=utf-8" });
  const faviconUrl = add("favicon.png", { body: new Uint8Array(readFileSync(faviconPath)), type: "image/png" });
  const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Lineup API reference</title>
    <link rel="icon" type="image/png" href="${faviconUrl}" />
    <link rel="stylesheet" href="${cssUrl}" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${jsUrl}"></script>
    <script src="${initUrl}"></script>
  </body>
</html>
`;
  return { page, assets };
}

/**
 * Swagger UI's stylesheet carries its icons as data: URLs, which a CSP of 'self' refuses; each becomes a file of
 * its own, served from here.
 */
function moveImagesOut(css: string, add: (suffix: string, asset: Asset) => string): string {
  // url("..."), url('...') (either may hold backslash-escaped quotes) or url(...) unquoted.
  const urls = /url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^"'()\s]+))\s*\)/g;
  return css.replace(urls, (match, double?: string, single?: string, bare?: string) => {
    const url = double ?? single ?? bare ?? "";
    if (!url.startsWith("data:image/")) return match;
    const image = decodeDataUrl(url);
    return `url("${add(`icon.${image.extension}`, { body: image.body, type: image.type })}")`;
  });
}

function decodeDataUrl(dataUrl: string): { body: Uint8Array; type: string; extension: string } {
  const comma = dataUrl.indexOf(",");
  const [type = "", ...params] = dataUrl.slice("data:".length, comma).split(";");
  // In CSS a quote inside the URL is escaped with a backslash.
  const data = dataUrl.slice(comma + 1).replace(/\\(.)/g, "$1");
  const body = params.includes("base64")
    ? new Uint8Array(Buffer.from(data, "base64"))
    : new TextEncoder().encode(decodeURIComponent(data));
  const extension = { "image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg" }[type] ?? "bin";
  return { body, type, extension };
}

function hashOf(body: string | Uint8Array): string {
  return createHash("sha256").update(body).digest("hex").slice(0, 16);
}
