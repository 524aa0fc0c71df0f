// Lua scripts are imported as text (Bun's text loader), so they are bundled with the code that runs them.
declare module "*.lua" {
  const source: string;
  export default source;
}
