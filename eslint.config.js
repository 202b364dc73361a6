// The pages' scripts: ES modules loaded as they are (no build step); Leaflet is vendored.
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  { ignores: ["feed/static/feed/vendor/**"] },
  js.configs.recommended,
  {
    files: ["feed/static/feed/**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: "error",
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
  },
];
