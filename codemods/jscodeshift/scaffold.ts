// jscodeshift entry of the "scaffold" codemod:
// npx jscodeshift --no-babel --extensions=ts,tsx -t <pkg>/dist/jscodeshift/scaffold.cjs <files>
import { jscodeshiftTransform } from "./jscodeshift-adapter.ts";

export default jscodeshiftTransform("scaffold");
export const parser = "tsx";
