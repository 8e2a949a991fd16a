/**
 * The code generator's entry point.
 *
 *   tsx codegen/main.ts           writes every generated file
 *   tsx codegen/main.ts --check   exits 1 if any generated file is stale,
 *                                 missing, or no longer produced
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { GENERATED_MARKER, type GeneratedFile } from "./generated-file.ts";
import { allEmitters } from "./targets.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Whether a file starts with the generated preamble (the marker on its first line). */
function startsWithMarker(text: string): boolean {
  const firstLine = text.slice(0, text.indexOf("\n") >>> 0);
  return firstLine.includes(GENERATED_MARKER);
}

/** Files under version control (or untracked but not ignored) that carry the preamble. */
function filesWithMarker(root: string): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  return out
    .split("\n")
    .filter((p) => p !== "" && !p.startsWith("codegen/") && existsSync(join(root, p)))
    .filter((p) => startsWithMarker(readFileSync(join(root, p), "utf8")));
}

function generate(): GeneratedFile[] {
  const files = allEmitters.map((emit) => emit());
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`two emitters produce ${f.path}`);
    seen.add(f.path);
  }
  return files;
}

/**
 * What `--check` reports for the tree at `root`: generated files that are
 * stale or missing, and files carrying the marker that no emitter produces.
 * Empty when everything is up to date.
 */
export function checkGenerated(root: string = ROOT): string[] {
  const files = generate();
  const problems: string[] = [];
  for (const f of files) {
    const path = join(root, f.path);
    const have = existsSync(path) ? readFileSync(path, "utf8") : null;
    if (have !== f.content()) problems.push(`${f.path}: ${have === null ? "missing" : "stale"}`);
  }
  problems.push(...orphans(root, files));
  return problems;
}

function orphans(root: string, files: readonly GeneratedFile[]): string[] {
  const produced = new Set(files.map((f) => f.path));
  return filesWithMarker(root)
    .filter((p) => !produced.has(p))
    .map((p) => `${p}: carries the generated marker but no emitter produces it`);
}

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  const files = generate();
  const problems: string[] = [];
  if (check) {
    problems.push(...checkGenerated(ROOT));
  } else {
    for (const f of files) {
      const path = join(ROOT, f.path);
      const want = f.content();
      const have = existsSync(path) ? readFileSync(path, "utf8") : null;
      if (have === want) continue;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, want);
      console.log(`wrote ${f.path}`);
    }
    problems.push(...orphans(ROOT, files));
  }
  if (problems.length > 0) {
    console.error(problems.join("\n"));
    if (check) console.error(`\n${problems.length} generated file(s) out of date: run \`npm run gen\`.`);
    return 1;
  }
  console.log(`${files.length} generated files ${check ? "up to date" : "written"} (${relative(process.cwd(), ROOT) || "."})`);
  return 0;
}

// Run only as a script, so that tests can import checkGenerated.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
