// A page that fails to render or to load its chunk: an explanation and a reload instead of a blank app.
import { Component, type ErrorInfo, type ReactNode } from "react";

/** Chromium, Firefox and Safari word a failed dynamic import differently. */
const CHUNK_LOAD_FAILED = /dynamically imported module|Importing a module script failed|error loading dynamically imported module/i;

interface Props {
  /** A new value (the next page) clears the error. */
  resetKey: string;
  children: ReactNode;
}

export class PageErrorBoundary extends Component<Props, { error: unknown }> {
  state = { error: null as unknown };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  componentDidUpdate(previous: Props) {
    if (previous.resetKey !== this.props.resetKey && this.state.error !== null) this.setState({ error: null });
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error("The page failed:", error, info.componentStack);
  }

  render() {
    const { error } = this.state;
    if (error === null) return this.props.children;
    const message = error instanceof Error ? error.message : String(error);
    // A chunk of an earlier build, gone after a new one was deployed (the assets are named by content).
    const stale = CHUNK_LOAD_FAILED.test(message);
    return (
      <div className="error-state" role="alert">
        <h1>{stale ? "This page could not be loaded" : "This page failed"}</h1>
        <p>{stale ? "The Launchpad may have been updated since you opened it. Reload to get the current version." : message}</p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
