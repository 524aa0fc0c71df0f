// The docs hold together: every relative link in README.md, docs/*.md and deploy/README.md reaches a file of the
// repository, every #anchor a heading of its page, and the README stays an entry point, not a reference.
import { describe, expect, it } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { REPO_ROOT } from "@lineup/testkit";

const PAGES = [
  "README.md",
  "deploy/README.md",
  ...readdirSync(join(REPO_ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^\p{L}\p{N} -]/gu, "")
    .replace(/ /g, "-");

/** The page's text outside code blocks (a link in a code block is an example, not a link). */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, "");

async function anchorsOf(page: string): Promise<Set<string>> {
  const text = prose(await Bun.file(join(REPO_ROOT, page)).text());
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] as string)));
}

describe("the docs", () => {
  for (const page of PAGES) {
    it(`${page}: every relative link and anchor resolves`, async () => {
      const text = prose(await Bun.file(join(REPO_ROOT, page)).text());
      const broken: string[] = [];
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target as string)) continue;
        const [path, anchor] = (target as string).split("#");
        const file = path ? join(dirname(join(REPO_ROOT, page)), path) : join(REPO_ROOT, page);
        if (!existsSync(file)) {
          broken.push(`${target} (no such file)`);
          continue;
        }
        if (anchor && file.endsWith(".md") && !(await anchorsOf(relative(REPO_ROOT, file))).has(anchor)) {
          broken.push(`${target} (no such heading)`);
        }
      }
      expect(broken).toEqual([]);
    });
  }

  it("links every page of docs/ from the README", async () => {
    const readme = await Bun.file(join(REPO_ROOT, "README.md")).text();
    const unlinked = PAGES.filter((p) => p.startsWith("docs/") && !readme.includes(`](${p})`));
    expect(unlinked).toEqual([]);
  });

  it("keeps the README an entry point: under 200 lines", async () => {
    const lines = (await Bun.file(join(REPO_ROOT, "README.md")).text()).split("\n").length;
    expect(lines).toBeLessThan(200);
  });
});
