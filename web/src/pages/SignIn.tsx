// Sign in and sign up: the server's userErrors next to their fields.
import { useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate } from "react-router-dom";
import { FormMessages, TextField } from "../components/ui";
import { formErrors, NO_ERRORS, type FormErrors } from "../lib/errors";
import { useSession } from "../lib/session";

function useAfterSignIn(): () => void {
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  return () => navigate(from ?? "/marketplace", { replace: true });
}

export function SignInPage() {
  const { signIn } = useSession();
  const done = useAfterSignIn();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      await signIn(email, password);
      done();
    } catch (error) {
      setErrors(formErrors(error, ["email", "password"]));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <form onSubmit={submit} noValidate aria-label="Sign in">
        <FormMessages errors={errors} />
        <TextField label="E-mail" type="email" name="email" autoComplete="email" required value={email}
          onChange={(e) => setEmail(e.target.value)} errors={errors.fields.email} />
        <TextField label="Password" type="password" name="password" autoComplete="current-password" required
          value={password} onChange={(e) => setPassword(e.target.value)} errors={errors.fields.password} />
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
      <p>
        No account? <Link to="/sign-up">Sign up</Link>
      </p>
    </section>
  );
}

/** Client-side checks before the server's: the same rules, caught earlier. */
export function validateSignUp(input: { email: string; password: string; organizationSlug: string }): FormErrors {
  const fields: Record<string, string[]> = {};
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email)) fields.email = ["Enter an e-mail address."];
  if (input.password.length < 10) fields.password = ["Use at least 10 characters."];
  if (input.organizationSlug && !/^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$/.test(input.organizationSlug)) {
    fields.organizationSlug = ["Lowercase letters, digits and dashes."];
  }
  return { fields, general: [] };
}

export function SignUpPage() {
  const { signUp } = useSession();
  const done = useAfterSignIn();
  const [form, setForm] = useState({ displayName: "", email: "", password: "", organizationName: "", organizationSlug: "" });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const local = validateSignUp(form);
    if (Object.keys(local.fields).length > 0) {
      setErrors(local);
      return;
    }
    setBusy(true);
    try {
      await signUp({
        email: form.email,
        password: form.password,
        displayName: form.displayName || null,
        organizationName: form.organizationName || null,
        organizationSlug: form.organizationSlug || null,
      });
      done();
    } catch (error) {
      setErrors(formErrors(error, Object.keys(form)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="narrow">
      <h1>Create your account</h1>
      <form onSubmit={submit} noValidate aria-label="Sign up">
        <FormMessages errors={errors} />
        <TextField label="Your name" name="displayName" value={form.displayName} onChange={set("displayName")}
          errors={errors.fields.displayName} autoComplete="name" />
        <TextField label="E-mail" type="email" name="email" value={form.email} onChange={set("email")}
          errors={errors.fields.email} autoComplete="email" required />
        <TextField label="Password" type="password" name="password" value={form.password} onChange={set("password")}
          errors={errors.fields.password} autoComplete="new-password" hint="At least 10 characters, hard to guess." required />
        <TextField label="Organization name" name="organizationName" value={form.organizationName}
          onChange={set("organizationName")} errors={errors.fields.organizationName} />
        <TextField label="Organization slug" name="organizationSlug" value={form.organizationSlug}
          onChange={set("organizationSlug")} errors={errors.fields.organizationSlug} hint="e.g. acme; used in package names." />
        <button type="submit" disabled={busy}>{busy ? "Creating…" : "Sign up"}</button>
      </form>
      <p>
        Already have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </section>
  );
}
