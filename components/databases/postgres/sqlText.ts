// Safe SQL text for generated statements: every identifier quoted, every literal escaped, and function
// bodies checked against their dollar-quote tag, so a table or role name can never end a statement early.

/** The dollar-quote tag of every generated function body and DO block. */
export const BODY_TAG = "$cdc$";

/** A quoted identifier: always quoted, so case and special characters survive exactly. */
export function ident(name: string): string {
    if (name.length === 0) throw new Error("an SQL identifier cannot be empty");
    if (name.includes("\0")) throw new Error(`an SQL identifier cannot contain NUL: ${JSON.stringify(name)}`);
    // PostgreSQL truncates longer names silently, which could make two declared names collide.
    if (Buffer.byteLength(name, "utf8") > 63) throw new Error(`SQL identifier longer than 63 bytes: ${JSON.stringify(name)}`);
    return `"${name.replace(/"/g, '""')}"`;
}

/** A string literal for a server with standard_conforming_strings on (checked before setup). */
export function literal(value: string): string {
    if (value.includes("\0")) throw new Error(`an SQL literal cannot contain NUL: ${JSON.stringify(value)}`);
    return `'${value.replace(/'/g, "''")}'`;
}

/** `schema.name`, both quoted. */
export function qualified(schema: string, name: string): string {
    return `${ident(schema)}.${ident(name)}`;
}

/** Wraps a PL/pgSQL body in the dollar-quote tag, refusing a body that contains the tag itself. */
export function body(text: string): string {
    if (text.includes(BODY_TAG)) throw new Error(`generated SQL body contains its quote tag ${BODY_TAG}`);
    return `${BODY_TAG}\n${text}\n${BODY_TAG}`;
}

/** A DO block running `text` as PL/pgSQL. */
export function doBlock(text: string): string {
    return `DO ${body(text)}`;
}
