// The catalog: search, filters, sorting, and infinite scroll over the marketplacePackages connection.
import { MarketplacePackagesDocument, type CatalogSort, type PackageFieldsFragment, type PricingModel } from "@atom-cloud/sdk";
import { useCallback, useEffect, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { Badge, ErrorState, Loading, SelectField, TextField } from "../components/ui";
import { useSession } from "../lib/session";
import { plural } from "../lib/format";

const PAGE_SIZE = 20;

interface Filters {
  query: string;
  tag: string;
  publisher: string;
  pricing: "" | PricingModel;
  verified: boolean;
  sort: CatalogSort;
}

export function MarketplacePage() {
  const { client } = useSession();
  const [filters, setFilters] = useState<Filters>({ query: "", tag: "", publisher: "", pricing: "", verified: false, sort: "NEWEST" });
  const [applied, setApplied] = useState(filters);
  const [items, setItems] = useState<PackageFieldsFragment[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);
  const sentinel = useRef<HTMLDivElement>(null);

  const loadPage = useCallback(
    async (after: string | null, reset: boolean) => {
      const mine = generation.current;
      setLoading(true);
      try {
        const { marketplacePackages } = await client.request(MarketplacePackagesDocument, {
          query: applied.query || null,
          filter: {
            tags: applied.tag ? [applied.tag] : [],
            publisher: applied.publisher || null,
            pricing: applied.pricing || null,
            verified: applied.verified,
          },
          sort: applied.sort,
          first: PAGE_SIZE,
          after,
        });
        if (mine !== generation.current) return;
        setItems((previous) => (reset ? marketplacePackages.nodes : [...previous, ...marketplacePackages.nodes]));
        setTotal(marketplacePackages.totalCount);
        setCursor(marketplacePackages.pageInfo.endCursor ?? null);
        setHasMore(marketplacePackages.pageInfo.hasNextPage);
        setError(null);
      } catch (reason) {
        if (mine === generation.current) setError(reason);
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [client, applied],
  );

  useEffect(() => {
    generation.current += 1;
    setItems([]);
    setHasMore(true);
    void loadPage(null, true);
  }, [loadPage]);

  // Infinite scroll: the next page when the end of the list comes into view.
  useEffect(() => {
    const element = sentinel.current;
    if (!element || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && hasMore && !loading && cursor) void loadPage(cursor, false);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasMore, loading, cursor, loadPage]);

  return (
    <section>
      <h1>Marketplace</h1>
      <form
        className="filters"
        role="search"
        aria-label="Search the marketplace"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(filters);
        }}
      >
        <TextField label="Search" type="search" name="query" value={filters.query}
          onChange={(e) => setFilters({ ...filters, query: e.target.value })} />
        <TextField label="Tag" name="tag" value={filters.tag} onChange={(e) => setFilters({ ...filters, tag: e.target.value })} />
        <TextField label="Publisher" name="publisher" value={filters.publisher}
          onChange={(e) => setFilters({ ...filters, publisher: e.target.value })} />
        <SelectField label="Pricing" value={filters.pricing}
          onChange={(e) => setFilters({ ...filters, pricing: e.target.value as Filters["pricing"] })}>
          <option value="">Any</option>
          <option value="FREE">Free</option>
          <option value="MONTHLY">Monthly</option>
          <option value="PER_RUN">Per run</option>
        </SelectField>
        <SelectField label="Sort by" value={filters.sort} onChange={(e) => setFilters({ ...filters, sort: e.target.value as CatalogSort })}>
          <option value="NEWEST">Newest</option>
          <option value="MOST_INSTALLED">Most installed</option>
          <option value="RELEVANCE">Relevance</option>
        </SelectField>
        <label className="check">
          <input type="checkbox" checked={filters.verified} onChange={(e) => setFilters({ ...filters, verified: e.target.checked })} />
          Verified only
        </label>
        <button type="submit">Search</button>
      </form>
      {total !== null ? <p aria-live="polite">{plural(total, "package", "packages")}</p> : null}
      <ul className="cards" aria-label="Packages">
        {items.map((pkg) => (
          <li key={pkg.id} className="card">
            <h2>
              <Link to={`/packages/${pkg.fullName}`}>{pkg.title || pkg.fullName}</Link>
            </h2>
            <p className="muted">{pkg.fullName}</p>
            <p>{pkg.description}</p>
            <p>
              {pkg.latestVersion ? <Badge tone="good">v{pkg.latestVersion.version}</Badge> : <Badge>unpublished</Badge>}{" "}
              <Badge>{pkg.pricing.model}</Badge> {pkg.visibility === "PRIVATE" ? <Badge tone="warn">private</Badge> : null}{" "}
              <span className="muted">{plural(pkg.installCount, "install", "installs")}</span>
            </p>
            <p className="tags">{pkg.tags.map((tag) => <Badge key={tag}>#{tag}</Badge>)}</p>
          </li>
        ))}
      </ul>
      {error ? <ErrorState error={error} retry={() => void loadPage(cursor, items.length === 0)} /> : null}
      {loading ? <Loading what="Loading packages" /> : null}
      {!loading && !error && items.length === 0 ? <p>No packages match.</p> : null}
      <div ref={sentinel} aria-hidden="true" className="sentinel" />
      {hasMore && !loading && cursor ? (
        <button type="button" onClick={() => void loadPage(cursor, false)}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
