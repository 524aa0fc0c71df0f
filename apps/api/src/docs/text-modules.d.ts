// Files imported as text (Bun's text loader), so they are bundled into the compiled binary with the code.
declare module "*.md" {
  const text: string;
  export default text;
}

declare module "*.css" {
  const text: string;
  export default text;
}

declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const text: string;
  export default text;
}

declare module "swagger-ui-dist/favicon-32x32.png" {
  /** The file's path (Bun's file loader), inside the binary once compiled. */
  const path: string;
  export default path;
}
