// jscodeshift entry of the "writes" codemod: npx jscodeshift --no-babel --extensions=ts,tsx -t codemods/jscodeshift/writes.cjs <files>
// A thin CommonJS shim: tsx compiles the TypeScript adapter on the fly (jscodeshift require()s transforms).
require("tsx/cjs/api").register();
module.exports = require("./jscodeshift-adapter.ts").jscodeshiftTransform("writes");
module.exports.parser = "tsx";
