// The Launchpad's shell: navigation, the organization switcher, sign-out, the GraphiQL link, and the routes.
import { lazy, Suspense, type ReactNode } from "react";
import { NavLink, Navigate, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { PageErrorBoundary } from "./components/PageErrorBoundary";
import { Requires } from "./components/Requires";
import { ErrorState, Loading } from "./components/ui";
import { useSession } from "./lib/session";

// Each page is its own chunk, fetched when first shown: signing in or browsing the marketplace never
// downloads the charts (Billing) or the signing code (Publish).
const AuditPage = lazy(() => import("./pages/Audit").then((m) => ({ default: m.AuditPage })));
const AuthStudioPage = lazy(() => import("./pages/AuthStudio").then((m) => ({ default: m.AuthStudioPage })));
const BillingPage = lazy(() => import("./pages/Billing").then((m) => ({ default: m.BillingPage })));
const JoinPage = lazy(() => import("./pages/Join").then((m) => ({ default: m.JoinPage })));
const MarketplacePage = lazy(() => import("./pages/Marketplace").then((m) => ({ default: m.MarketplacePage })));
const PackagePage = lazy(() => import("./pages/Package").then((m) => ({ default: m.PackagePage })));
const PublishPage = lazy(() => import("./pages/Publish").then((m) => ({ default: m.PublishPage })));
const ReviewPage = lazy(() => import("./pages/Review").then((m) => ({ default: m.ReviewPage })));
const SignInPage = lazy(() => import("./pages/SignIn").then((m) => ({ default: m.SignInPage })));
const SignUpPage = lazy(() => import("./pages/SignIn").then((m) => ({ default: m.SignUpPage })));

function OrganizationSwitcher() {
  const { viewer, switchOrganization } = useSession();
  const navigate = useNavigate();
  if (!viewer?.organization) return null;
  return (
    <label className="org-switcher">
      Organization{" "}
      <select
        aria-label="Organization"
        value={viewer.organization.slug}
        onChange={(event) => {
          void switchOrganization(event.target.value).then(() => navigate("/"));
        }}
      >
        {viewer.organizations.map((organization) => (
          <option key={organization.id} value={organization.slug}>
            {organization.name} ({organization.slug})
          </option>
        ))}
      </select>
    </label>
  );
}

function GraphiQLLink() {
  const { accessToken } = useSession();
  // The token travels in the fragment, which never reaches the server; the GraphiQL page reads it once.
  return (
    <a
      href="/graphql"
      onClick={(event) => {
        event.preventDefault();
        const token = accessToken();
        window.open(token ? `/graphql#token=${encodeURIComponent(token)}` : "/graphql", "_blank", "noopener");
      }}
    >
      GraphiQL
    </a>
  );
}

function Header() {
  const { signedIn, viewer, signOut, can } = useSession();
  const navigate = useNavigate();
  return (
    <header className="top">
      <a className="brand" href="/">
        ATOM Cloud Launchpad
      </a>
      <nav aria-label="Main">
        <NavLink to="/marketplace">Marketplace</NavLink>
        {signedIn ? (
          <>
            {can("packages:publish") ? <NavLink to="/publish">Publish</NavLink> : null}
            {can("packages:review") ? <NavLink to="/review">Review</NavLink> : null}
            {can("billing:read") ? <NavLink to="/billing">Billing</NavLink> : null}
            {can("members:read") ? <NavLink to="/auth-studio">Auth Studio</NavLink> : null}
            {can("audit:read") ? <NavLink to="/audit">Audit</NavLink> : null}
            <NavLink to="/join">Organizations</NavLink>
          </>
        ) : null}
        <GraphiQLLink />
      </nav>
      <div className="account">
        {signedIn ? (
          <>
            <OrganizationSwitcher />
            <span className="who">{viewer?.user?.email}</span>
            <button type="button" onClick={() => void signOut().then(() => navigate("/sign-in"))}>
              Sign out
            </button>
          </>
        ) : (
          <>
            <NavLink to="/sign-in">Sign in</NavLink>
            <NavLink to="/sign-up">Sign up</NavLink>
          </>
        )}
      </div>
    </header>
  );
}

/** Pages for signed-in users: the sign-in page otherwise, coming back here afterwards. */
function Private({ children, permission, title }: { children: ReactNode; permission?: string; title?: string }) {
  const { signedIn, viewer, loading, error } = useSession();
  const location = useLocation();
  if (!signedIn) return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;
  if (error) return <ErrorState error={error} />;
  if (loading || viewer === null) return <Loading what="Loading your session" />;
  if (permission) {
    return (
      <Requires permission={permission} what={title ?? "This page"}>
        {children}
      </Requires>
    );
  }
  return <>{children}</>;
}

export function App() {
  const location = useLocation();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Header />
      <main id="main">
        <PageErrorBoundary resetKey={location.pathname}>
          <Suspense fallback={<Loading what="Loading the page" />}>
            <Routes>
              <Route path="/" element={<Navigate to="/marketplace" replace />} />
              <Route path="/sign-in" element={<SignInPage />} />
              <Route path="/sign-up" element={<SignUpPage />} />
              <Route path="/marketplace" element={<MarketplacePage />} />
              <Route path="/packages/:namespace/:name" element={<PackagePage />} />
              <Route path="/publish" element={<Private permission="packages:publish" title="Publishing"><PublishPage /></Private>} />
              <Route path="/review" element={<Private permission="packages:review" title="The review queue"><ReviewPage /></Private>} />
              <Route path="/billing" element={<Private permission="billing:read" title="Billing"><BillingPage /></Private>} />
              <Route path="/auth-studio" element={<Private permission="members:read" title="Auth Studio"><AuthStudioPage /></Private>} />
              <Route path="/audit" element={<Private permission="audit:read" title="The audit log"><AuditPage /></Private>} />
              <Route path="/join" element={<Private><JoinPage /></Private>} />
              <Route path="*" element={<h1>Page not found</h1>} />
            </Routes>
          </Suspense>
        </PageErrorBoundary>
      </main>
    </>
  );
}
