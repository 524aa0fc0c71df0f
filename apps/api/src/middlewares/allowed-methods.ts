// Which methods a path supports, from the app's own route table: a known path with the wrong method is a
// 405 with an Allow header (RFC 9110), not a 404.

export type AllowedMethods = (path: string) => string[];

export function allowedMethodsFrom(routes: readonly { method: string; path: string }[]): AllowedMethods {
  const table = routes.map((r) => ({
    method: r.method.toUpperCase(),
    exact: !r.path.includes(":"),
    pattern: new RegExp(`^${r.path.split("/").map(segment).join("/")}/?$`),
    params: r.path.split("/").filter((part) => part.startsWith(":")).length,
  }));
  return (path) => {
    const matching = table.filter((r) => r.pattern.test(path));
    // The most specific routes name the resource: /v1/jobs/batch is the batch route's, not a job id's.
    const fewest = Math.min(...matching.map((r) => r.params));
    return [...new Set(matching.filter((r) => r.params === fewest).map((r) => r.method))];
  };
}

function segment(part: string): string {
  return part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
