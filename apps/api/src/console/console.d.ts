// console.js is served to browsers, not run here: the api imports it as text (see assets.ts).
declare const source: string;
export default source;
