/**
 * Audit actors (`user:<uuid>`, `apikey:<uuid>`, `system`, …) named after the organization's members:
 * the schema's AuditEntry has the actor string only, and a member's user carries its global ID
 * (base64url of `User:<uuid>`), so the page matches the two itself.
 */

export interface Member {
  user?: { id: string; email: string | null; displayName: string } | null;
}

export interface ActorName {
  /** Null for whoever may not see e-mails (they need members:read). */
  email: string | null;
  displayName: string;
}

/** The UUID inside one of our global IDs of `type`, or null. */
export function uuidOfGlobalId(globalId: string, type: string): string | null {
  try {
    const raw = atob(globalId.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (globalId.length % 4)) % 4));
    const [kind, value] = [raw.slice(0, raw.indexOf(":")), raw.slice(raw.indexOf(":") + 1)];
    return kind === type && /^[0-9a-f-]{36}$/i.test(value) ? value.toLowerCase() : null;
  } catch {
    return null;
  }
}

/** `user:<uuid>` → the member's e-mail and name, for the members given. */
export function actorNames(members: ReadonlyArray<Member>): Map<string, ActorName> {
  const names = new Map<string, ActorName>();
  for (const member of members) {
    if (!member.user) continue;
    const id = uuidOfGlobalId(member.user.id, "User");
    if (id !== null) names.set(`user:${id}`, { email: member.user.email, displayName: member.user.displayName });
  }
  return names;
}

/** What the actor filter should send: a member's e-mail becomes their `user:<uuid>`, anything else as typed. */
export function actorFilter(typed: string, names: ReadonlyMap<string, ActorName>): string {
  const wanted = typed.trim().toLowerCase();
  for (const [actor, name] of names) if (name.email?.toLowerCase() === wanted) return actor;
  return typed.trim();
}

/** A text (a policy summary, a rule) with every `user:<uuid>` a member's e-mail (or name) where known. */
export function nameActorsIn(text: string, names: ReadonlyMap<string, ActorName>): string {
  return text.replace(/user:[0-9a-f-]{36}/gi, (actor) => {
    const name = names.get(actor.toLowerCase());
    return name ? (name.email ?? name.displayName) : actor;
  });
}
