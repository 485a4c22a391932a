/** Quotes `name` as a SQL identifier when Postgres would fold or reject it bare: `Customer` → `"Customer"`. */
export function quoteIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** `schema.table`, each part quoted when needed: `public."Customer"`. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}
