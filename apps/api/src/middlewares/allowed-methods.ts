// Which methods a path supports, from the app's own route table: a known path with the wrong method is a
// 405 with an Allow header (RFC 9110), not a 404.

export type AllowedMethods = (path: string) => string[];

export function allowedMethodsFrom(routes: readonly { method: string; path: string }[]): AllowedMethods {
  const table = routes.map((r) => ({
    method: r.method.toUpperCase(),
    pattern: new RegExp(`^${r.path.split("/").map(segment).join("/")}/?$`),
  }));
  return (path) => [...new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method))];
}

function segment(part: string): string {
  return part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
