// Which methods a path supports, from the app's own route table: a known path with the wrong method is a
// 405 with an Allow header (RFC 9110), not a 404.

export type AllowedMethods = (path: string) => string[];

export function allowedMethodsFrom(routes: readonly { method: string; path: string }[]): AllowedMethods {
  const table = routes.map((r) => ({
    method: r.method.toUpperCase(),
    exact: !r.path.includes(":"),
    pattern: new RegExp(`^${r.path.split("/").map(segment).join("/")}/?$`),
  }));
  return (path) => {
    const matches = table.filter((r) => r.pattern.test(path));
    // A path a route names outright is that route's resource: POST /v1/admin/jobs/retry is not also a job whose id
    // is "retry", so GET /v1/admin/jobs/:id does not add its method to the Allow of that path.
    const exact = matches.filter((r) => r.exact);
    return [...new Set((exact.length ? exact : matches).map((r) => r.method))];
  };
}

function segment(part: string): string {
  return part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
