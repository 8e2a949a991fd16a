/**
 * The code generator's entry point.
 *
 *   tsx codegen/main.ts           writes every generated file
 *   tsx codegen/main.ts --check   exits 1 if any generated file is stale,
 *                                 missing, or no longer produced
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { GENERATED_MARKER, type GeneratedFile } from "./generated-file.ts";
import { allEmitters } from "./targets.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Files under version control (or untracked but not ignored) that carry the marker. */
function filesWithMarker(): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
  return out
    .split("\n")
    .filter((p) => p !== "" && !p.startsWith("codegen/") && existsSync(join(ROOT, p)))
    .filter((p) => readFileSync(join(ROOT, p), "utf8").includes(GENERATED_MARKER));
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

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  const files = generate();
  const problems: string[] = [];
  for (const f of files) {
    const path = join(ROOT, f.path);
    const want = f.content();
    const have = existsSync(path) ? readFileSync(path, "utf8") : null;
    if (have === want) continue;
    if (check) {
      problems.push(`${f.path}: ${have === null ? "missing" : "stale"}`);
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, want);
      console.log(`wrote ${f.path}`);
    }
  }
  const produced = new Set(files.map((f) => f.path));
  for (const p of filesWithMarker()) {
    if (!produced.has(p)) problems.push(`${p}: carries the generated marker but no emitter produces it`);
  }
  if (problems.length > 0) {
    console.error(problems.join("\n"));
    if (check) console.error(`\n${problems.length} generated file(s) out of date: run \`npm run gen\`.`);
    return 1;
  }
  console.log(`${files.length} generated files ${check ? "up to date" : "written"} (${relative(process.cwd(), ROOT) || "."})`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
