// jscodeshift entry of the "finalize" codemod:
// npx jscodeshift --no-babel --extensions=ts,tsx -t <pkg>/dist/jscodeshift/finalize.cjs <files>
import { jscodeshiftTransform } from "./jscodeshift-adapter.ts";

export default jscodeshiftTransform("finalize");
export const parser = "tsx";
