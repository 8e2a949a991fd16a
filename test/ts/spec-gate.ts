/**
 * Shared by the tests that need the ABI fact sheet (../shared/spec or
 * $HPY_SPEC_DIR). Without it the suite is skipped with a message, except on CI
 * (env CI set) where a missing spec is a failure: the checks must not
 * silently stop running there.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { findSpecDir, specDirCandidate } from "./spec.ts";

function onCI(): boolean {
  const ci = process.env["CI"];
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

/** Declares `describe(title, ...)` with the spec directory, or a skip/failure when it is absent. */
export function describeWithSpec(title: string, body: (specDir: string) => void): void {
  const dir = findSpecDir();
  if (dir !== null) {
    describe(title, () => body(dir));
    return;
  }
  const why = `shared HPy spec not found at ${specDirCandidate()} (set HPY_SPEC_DIR to the directory holding context.json, context_layout.json, enums.json, structs.md)`;
  if (onCI()) {
    test(title, () => {
      assert.fail(`${why}; CI is set, so the spec checks cannot be skipped`);
    });
  } else {
    test(title, { skip: why }, () => undefined);
  }
}
