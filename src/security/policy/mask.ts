/**
 * Attribute masks: which (top-level, expanded) attributes of an entity a principal may see or
 * write. Every mask is kept in one of two normal forms, so that the union of masks is again a
 * mask of the same shape and two masks with the same meaning serialise identically:
 *
 *   { allow: '*', deny: [...] }   everything except the listed attributes
 *   { allow: [...] }              only the listed attributes
 *
 * Union (several permissions granting the same entity): an attribute is visible when some
 * mask shows it. Deny-wins applies inside one permission only (see model.ts).
 */
import type { Iri } from '../../ngsi/entity';

export type MaskForm = { allow: '*'; deny: Iri[] } | { allow: Iri[] };

export interface AttributeMask {
  /** Nothing is hidden: callers may skip per-attribute checks. */
  readonly all: boolean;
  /** Nothing is visible. */
  readonly none: boolean;
  /** The compiled test on an expanded attribute IRI. */
  readonly visible: (attr: Iri) => boolean;
  /** The serialisable normal form (sorted lists). */
  readonly form: MaskForm;
}

class Mask implements AttributeMask {
  readonly all: boolean;
  readonly none: boolean;
  readonly visible: (attr: Iri) => boolean;
  readonly form: MaskForm;

  constructor(form: MaskForm) {
    this.form = form;
    if (form.allow === '*') {
      const deny = new Set((form as { deny: Iri[] }).deny);
      this.all = deny.size === 0;
      this.none = false;
      this.visible = this.all ? () => true : (attr) => !deny.has(attr);
    } else {
      const allow = new Set(form.allow);
      this.all = false;
      this.none = allow.size === 0;
      this.visible = (attr) => allow.has(attr);
    }
  }
}

const sorted = (items: Iterable<Iri>): Iri[] => [...new Set(items)].sort();

export const ALL_ATTRIBUTES: AttributeMask = new Mask({ allow: '*', deny: [] });
export const NO_ATTRIBUTES: AttributeMask = new Mask({ allow: [] });

/**
 * The mask of one permission's `attributes` member: allow (undefined = all) minus deny.
 * Deny wins: an attribute in both lists is hidden.
 */
export function maskOf(allow: readonly Iri[] | '*' | undefined, deny: readonly Iri[] = []): AttributeMask {
  if (allow === undefined || allow === '*') return deny.length === 0 ? ALL_ATTRIBUTES : new Mask({ allow: '*', deny: sorted(deny) });
  const denied = new Set(deny);
  return new Mask({ allow: sorted(allow.filter((a) => !denied.has(a))) });
}

/** Rebuilds a mask from its serialised form (e.g. kept with a subscription). */
export function maskFromForm(form: MaskForm): AttributeMask {
  return form.allow === '*' ? maskOf('*', (form as { deny: Iri[] }).deny) : maskOf(form.allow);
}

/**
 * The union of masks: visible when any of them shows the attribute. With no masks, nothing
 * is visible (no permission grants anything).
 */
export function unionMasks(masks: readonly AttributeMask[]): AttributeMask {
  if (masks.length === 0) return NO_ATTRIBUTES;
  if (masks.length === 1) return masks[0];
  let denied: Set<Iri> | undefined; // intersection of the deny lists of the '*' masks
  const allowed = new Set<Iri>(); // union of the explicit allow lists
  for (const m of masks) {
    if (m.all) return ALL_ATTRIBUTES;
    if (m.form.allow === '*') {
      const deny = (m.form as { deny: Iri[] }).deny;
      denied = denied === undefined ? new Set(deny) : new Set(deny.filter((a) => denied!.has(a)));
    } else {
      for (const a of m.form.allow) allowed.add(a);
    }
  }
  if (denied === undefined) return allowed.size === 0 ? NO_ATTRIBUTES : new Mask({ allow: sorted(allowed) });
  const deny = [...denied].filter((a) => !allowed.has(a));
  return deny.length === 0 ? ALL_ATTRIBUTES : new Mask({ allow: '*', deny: sorted(deny) });
}

/** The attributes of `names` the mask hides (attrs / pick / omit lists, q references). */
export function hiddenAttributes(names: Iterable<Iri>, mask: AttributeMask): Iri[] {
  if (mask.all) return [];
  const hidden: Iri[] = [];
  for (const n of names) if (!mask.visible(n)) hidden.push(n);
  return hidden;
}
