const identifier = /^[a-z_][a-z0-9_]*$/;

/** Quotes a table name taken from configuration after checking it is a plain identifier. */
export function quoteIdentifier(name: string): string {
  if (!identifier.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return `"${name}"`;
}
