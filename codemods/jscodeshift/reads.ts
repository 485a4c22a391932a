// jscodeshift entry of the "reads" codemod:
// npx jscodeshift --no-babel --extensions=ts,tsx -t <pkg>/dist/jscodeshift/reads.cjs <files>
import { jscodeshiftTransform } from "./jscodeshift-adapter.ts";

export default jscodeshiftTransform("reads");
export const parser = "tsx";
