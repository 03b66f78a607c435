/** Launchpad paths built in more than one page. */

/** A package's page, e.g. `/packages/acme/hello` for `acme/hello`. */
export function packagePath(fullName: string): string {
  return `/packages/${fullName.split("/").map(encodeURIComponent).join("/")}`;
}
