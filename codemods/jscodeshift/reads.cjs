// jscodeshift entry of the "reads" codemod: npx jscodeshift --no-babel --extensions=ts,tsx -t codemods/jscodeshift/reads.cjs <files>
// A thin CommonJS shim: tsx compiles the TypeScript adapter on the fly (jscodeshift require()s transforms).
require("tsx/cjs/api").register();
module.exports = require("./jscodeshift-adapter.ts").jscodeshiftTransform("reads");
module.exports.parser = "tsx";
