// Roles × permissions: a checkbox grid; built-in roles are read-only.
import type { RoleFieldsFragment } from "@atom-cloud/sdk";

export interface MatrixProps {
  roles: ReadonlyArray<RoleFieldsFragment>;
  permissions: ReadonlyArray<string>;
  busy?: string | null;
  onToggle(role: string, permission: string, granted: boolean): void;
}

export function PermissionMatrix({ roles, permissions, busy = null, onToggle }: MatrixProps) {
  return (
    <div className="matrix" role="region" aria-label="Permission matrix" tabIndex={0}>
      <table>
        <caption>Permissions by role (built-in roles cannot be changed)</caption>
        <thead>
          <tr>
            <th scope="col">Permission</th>
            {roles.map((role) => (
              <th scope="col" key={role.id}>
                {role.name}
                {role.builtin ? " (built-in)" : ""}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {permissions.map((permission) => (
            <tr key={permission}>
              <th scope="row">
                <code>{permission}</code>
              </th>
              {roles.map((role) => {
                const granted = role.permissions.includes(permission);
                const key = `${role.name}:${permission}`;
                return (
                  <td key={role.id}>
                    <input
                      type="checkbox"
                      aria-label={`${role.name}: ${permission}`}
                      checked={granted}
                      disabled={role.builtin || busy === key}
                      onChange={() => onToggle(role.name, permission, !granted)}
                    />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
