/** Errors for display: the server's userErrors by field (next to their inputs), everything else as a message. */
import { AtomError, UserErrorsError } from "@atom-cloud/sdk";

export interface FormErrors {
  /** Messages by input name (the last segment of the userError's `field`, e.g. `input.email` → `email`). */
  fields: Record<string, string[]>;
  /** Messages that belong to no input. */
  general: string[];
}

export const NO_ERRORS: FormErrors = { fields: {}, general: [] };

export function fieldName(field: string | null | undefined): string | null {
  if (!field) return null;
  const parts = field.split(".");
  return parts[parts.length - 1] ?? null;
}

export function formErrors(error: unknown, knownFields: readonly string[] = []): FormErrors {
  if (error === null || error === undefined) return NO_ERRORS;
  if (error instanceof UserErrorsError) {
    const result: FormErrors = { fields: {}, general: [] };
    for (const userError of error.userErrors) {
      const name = fieldName(userError.field);
      if (name !== null && (knownFields.length === 0 || knownFields.includes(name))) {
        (result.fields[name] ??= []).push(userError.message);
      } else {
        result.general.push(userError.message);
      }
    }
    return result;
  }
  return { fields: {}, general: [errorMessage(error)] };
}

export function errorMessage(error: unknown): string {
  if (error instanceof AtomError || error instanceof Error) return error.message;
  return String(error);
}
