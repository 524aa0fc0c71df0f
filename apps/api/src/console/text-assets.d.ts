// Stylesheets are imported as text (Bun's text loader) and served as they are (see assets.ts).
declare module "*.css" {
  const source: string;
  export default source;
}
