#!/usr/bin/env node
// Entry point of `npx hpy-wasm`: the CLI is TypeScript, run through tsx.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
