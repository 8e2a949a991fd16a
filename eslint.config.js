// Lint configuration for the TypeScript parts (api/, codegen/, bench/, wasm/, test/ts/).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "build/**", "**/*.js", ".venv/**"] },
  { files: ["**/*.mjs"], languageOptions: { globals: { process: "readonly" } } },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
