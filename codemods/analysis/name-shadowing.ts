import { Node, SyntaxKind } from "ts-morph";

/** True when a function or block between `identifier` and `root` declares its own `name`. */
export function isShadowed(identifier: Node, name: string, root: Node): boolean {
  for (let node = identifier.getParent(); node && node !== root; node = node.getParent()) {
    if (Node.isFunctionLikeDeclaration(node) || Node.isArrowFunction(node) || Node.isFunctionExpression(node)) {
      if (node.getParameters().some((p) => bindsName(p.getNameNode(), name))) return true;
    }
    if (Node.isBlock(node) || Node.isCaseClause(node) || Node.isDefaultClause(node)) {
      for (const statement of node.getStatements()) {
        if (
          Node.isVariableStatement(statement) &&
          statement.getDeclarations().some((d) => bindsName(d.getNameNode(), name))
        )
          return true;
        if (Node.isFunctionDeclaration(statement) && statement.getName() === name) return true;
      }
    }
    if (Node.isForOfStatement(node) || Node.isForInStatement(node) || Node.isForStatement(node)) {
      const init = node.getInitializer();
      if (
        init &&
        Node.isVariableDeclarationList(init) &&
        init.getDeclarations().some((d) => bindsName(d.getNameNode(), name))
      )
        return true;
    }
    if (Node.isCatchClause(node)) {
      const variable = node.getVariableDeclaration();
      if (variable && bindsName(variable.getNameNode(), name)) return true;
    }
  }
  return false;
}

function bindsName(nameNode: Node, name: string): boolean {
  if (Node.isIdentifier(nameNode)) return nameNode.getText() === name;
  return nameNode
    .getDescendantsOfKind(SyntaxKind.BindingElement)
    .some((element) => element.getNameNode().getText() === name);
}
