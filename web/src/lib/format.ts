/** Counts in words: "1 entry", "2 entries". */
const rules = new Intl.PluralRules("en");

export function plural(count: number, one: string, other: string): string {
  return `${count} ${rules.select(count) === "one" ? one : other}`;
}
