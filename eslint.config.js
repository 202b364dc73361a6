// The pages' scripts: plain browser scripts, no build step; Leaflet is vendored as it is.
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  { ignores: ["feed/static/feed/vendor/**"] },
  js.configs.recommended,
  {
    files: ["feed/static/feed/**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: { ...globals.browser },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: "error",
      "no-implicit-globals": "error",
      strict: ["error", "function"],
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
  },
];
