/** Shared pieces: labelled inputs with their errors, loading and error states, live indicators. */
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";
import { errorMessage, type FormErrors } from "../lib/errors";
import type { LiveState } from "../lib/hooks";

interface FieldProps {
  label: string;
  errors?: string[] | undefined;
  hint?: string;
}

function Described({ id, hint, errors }: { id: string; hint?: string | undefined; errors?: string[] | undefined }) {
  return (
    <>
      {hint ? (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
      {errors?.length ? (
        <span id={`${id}-error`} className="field-error" role="alert">
          {errors.join(" ")}
        </span>
      ) : null}
    </>
  );
}

function describedBy(id: string, hint?: string, errors?: string[]): string | undefined {
  const ids = [hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

export function TextField({ label, errors, hint, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, hint, errors)}
        {...input}
      />
      <Described id={id} hint={hint} errors={errors} />
    </div>
  );
}

export function TextArea({ label, errors, hint, ...input }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, hint, errors)}
        {...input}
      />
      <Described id={id} hint={hint} errors={errors} />
    </div>
  );
}

export function SelectField({
  label,
  errors,
  hint,
  children,
  ...select
}: FieldProps & SelectHTMLAttributes<HTMLSelectElement> & { children: ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} aria-invalid={errors?.length ? true : undefined} aria-describedby={describedBy(id, hint, errors)} {...select}>
        {children}
      </select>
      <Described id={id} hint={hint} errors={errors} />
    </div>
  );
}

/** Errors of a form that belong to none of its inputs. */
export function FormMessages({ errors }: { errors: FormErrors }) {
  if (errors.general.length === 0) return null;
  return (
    <div className="form-errors" role="alert">
      {errors.general.map((message) => (
        <p key={message}>{message}</p>
      ))}
    </div>
  );
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="error-state" role="alert">
      <p>{errorMessage(error)}</p>
      {retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** The data of a load, or its loading or error state. */
export function Loaded<T>({
  result,
  children,
  what,
}: {
  result: { data: T | undefined; error: unknown; loading: boolean; reload(): void };
  children: (data: T) => ReactNode;
  what?: string;
}) {
  if (result.error) return <ErrorState error={result.error} retry={result.reload} />;
  if (result.data === undefined) return <Loading what={what} />;
  return <>{children(result.data)}</>;
}

export function LiveBadge({ state, label }: { state: LiveState; label: string }) {
  return (
    <span className={`live live-${state}`} role="status" aria-label={`${label}: ${state}`}>
      ● {state === "live" ? "Live" : state}
    </span>
  );
}

export function Badge({ children, tone = "neutral" }: { children: ReactNode; tone?: "good" | "bad" | "warn" | "neutral" }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function statusTone(status: string): "good" | "bad" | "warn" | "neutral" {
  if (status === "PUBLISHED") return "good";
  if (status === "REJECTED" || status === "REVOKED" || status === "YANKED") return "bad";
  if (status === "IN_REVIEW" || status === "SUBMITTED") return "warn";
  return "neutral";
}
