// Where the API reference's viewer serves its assets (their names carry their content's hash).
export const ASSETS_PATH = "/docs/assets";
