// Parts of a page the signed-in role may not use: a short explanation instead of the server's refusals.
import type { ReactNode } from "react";
import { useSession } from "../lib/session";

export function Requires({ permission, what, children }: { permission: string; what: string; children: ReactNode }) {
  const { can, viewer } = useSession();
  if (can(permission)) return <>{children}</>;
  return (
    <p className="notice" role="note">
      {what} needs the <code>{permission}</code> permission, which your roles in {viewer?.organization?.name ?? "this organization"} do
      not include. An owner can grant it in Auth Studio.
    </p>
  );
}
