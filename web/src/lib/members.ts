// The organization's members as names for actors, shared by the pages that show `user:<uuid>` (Audit, Auth Studio).
import { OrganizationMembersDocument, paginate } from "@atom-cloud/sdk";
import { actorNames, type ActorName, type Member } from "./actors";
import { useLoad } from "./hooks";
import { useSession } from "./session";

/** Every member of the organization (members:read), to name actors (`user:<uuid>`) after them. */
export function useActorNames(): ReadonlyMap<string, ActorName> {
  const { client, can, viewer } = useSession();
  const slug = viewer?.organization?.slug;
  const readsMembers = can("members:read");
  const members = useLoad(async () => {
    if (!readsMembers || !slug) return new Map<string, ActorName>();
    const all: Member[] = [];
    const pages = paginate(async (after) => {
      const { organization } = await client.request(OrganizationMembersDocument, { slug, first: 100, after });
      return organization?.members ?? { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
    });
    for await (const member of pages) all.push(member);
    return actorNames(all);
  }, [client, slug, readsMembers]);
  // Without the members (still loading, refused, or no members:read) actors keep their raw ids.
  return members.data ?? NO_NAMES;
}

const NO_NAMES: ReadonlyMap<string, ActorName> = new Map();
