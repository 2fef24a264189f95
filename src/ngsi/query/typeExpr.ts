/**
 * Parser of the Entity Type Selection Language (the `type` parameter, clause 4.17) into the
 * AST's TypeExpr, every type name expanded to an IRI:
 *
 *   typeExpr = andExpr *( ( "|" / "," ) andExpr )     ; "," is the pre-1.5 list form: A,B
 *   andExpr  = primary *( ";" primary )
 *   primary  = "(" typeExpr ")" / typeName
 *   typeName = a name (clause 4.6.2, optionally prefixed) or an absolute URI
 *
 * Grammar details shared with scopeQ: ./boolExpr. As clause 4.17's NOTE says, `,` `;` `(`
 * `)` are legal in URIs but delimit here: such types must be given by their short name.
 * Errors: NgsiError BadRequestData "Invalid type: ... at position N".
 */
import type { TypeExpr } from './ast';
import { atomEnd, parseBoolExpr } from './boolExpr';
import { isValidName } from './names';
import type { Expand } from './q';

export function parseTypeExpr(text: string, expand: Expand): TypeExpr {
  return parseBoolExpr<TypeExpr & { kind: 'type' }>(text, 'type', (src, start, fail) => {
    const end = atomEnd(src, start);
    const name = src.slice(start, end);
    if (!isValidName(name)) fail(`invalid entity type name '${name}'`, start);
    return { atom: { kind: 'type', iri: expand(name) }, end };
  });
}

/** The IRIs a type expression mentions (e.g. for an index lookup before the exact match). */
export function typeExprIris(expr: TypeExpr): string[] {
  switch (expr.kind) {
    case 'type': return [expr.iri];
    case 'and':
    case 'or': return [...new Set(expr.items.flatMap(typeExprIris))];
  }
}
