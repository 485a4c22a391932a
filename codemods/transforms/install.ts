// The install phase lives in ./install/ (one file per concern); this entry keeps the registry's and the jscodeshift
// adapter's import path.
export { installCodemod } from "./install/install-codemod.ts";
