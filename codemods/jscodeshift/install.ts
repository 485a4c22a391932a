// jscodeshift entry of the "install" codemod:
// npx jscodeshift --no-babel --extensions=ts,tsx -t <pkg>/dist/jscodeshift/install.cjs <files>
import { jscodeshiftTransform } from "./jscodeshift-adapter.ts";

export default jscodeshiftTransform("install");
export const parser = "tsx";
