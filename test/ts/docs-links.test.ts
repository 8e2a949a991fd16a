/**
 * Every relative link in the repository's Markdown files points at a file
 * (or directory) that exists, and every `#anchor` into a Markdown file
 * names one of its headings.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function markdownFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.md"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return out.split("\n").filter((p) => p !== "" && !p.startsWith("node_modules/"));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, "utf8");
  const found = new Set<string>();
  for (const m of text.matchAll(/^#{1,6} (.+)$/gm)) found.add(anchorOf(m[1]!));
  return found;
}

/** Links outside fenced code blocks: [text](target). */
function links(text: string): string[] {
  const withoutCode = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

test("relative links in Markdown files resolve", () => {
  const broken: string[] = [];
  const files = markdownFiles();
  assert.ok(files.length > 3, "found the Markdown files");
  for (const file of files) {
    const path = join(ROOT, file);
    for (const target of links(readFileSync(path, "utf8"))) {
      if (/^[a-z]+:/.test(target)) continue; // http:, https:, mailto:
      const [rel, anchor] = target.split("#", 2) as [string, string | undefined];
      const dest = rel === "" ? path : resolve(dirname(path), rel);
      if (!existsSync(dest)) {
        broken.push(`${file}: ${target} (no such file)`);
        continue;
      }
      if (anchor !== undefined && dest.endsWith(".md") && !anchors(dest).has(anchor)) {
        broken.push(`${file}: ${target} (no heading #${anchor})`);
      }
    }
  }
  assert.deepEqual(broken, []);
});
