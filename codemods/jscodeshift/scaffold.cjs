// jscodeshift entry of the "scaffold" codemod: npx jscodeshift --no-babel --extensions=ts,tsx -t codemods/jscodeshift/scaffold.cjs <files>
// A thin CommonJS shim: tsx compiles the TypeScript adapter on the fly (jscodeshift require()s transforms).
require("tsx/cjs/api").register();
module.exports = require("./jscodeshift-adapter.ts").jscodeshiftTransform("scaffold");
module.exports.parser = "tsx";
