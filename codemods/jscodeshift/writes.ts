// jscodeshift entry of the "writes" codemod:
// npx jscodeshift --no-babel --extensions=ts,tsx -t <pkg>/dist/jscodeshift/writes.cjs <files>
import { jscodeshiftTransform } from "./jscodeshift-adapter.ts";

export default jscodeshiftTransform("writes");
export const parser = "tsx";
