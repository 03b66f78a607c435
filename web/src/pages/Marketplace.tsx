// The catalog: search, filters, sorting, and infinite scroll over the marketplacePackages connection.
import { MarketplacePackagesDocument, type CatalogSort, type PricingModel } from "@atom-cloud/sdk";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { Badge, ErrorState, Loading, SelectField, TextField } from "../components/ui";
import { useSession } from "../lib/session";
import { plural } from "../lib/format";
import { usePagedList } from "../lib/hooks";
import { packagePath } from "../lib/routes";

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
  const sentinel = useRef<HTMLDivElement>(null);
  const { items, total, hasMore, loading, error, load } = usePagedList(async (after) => {
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
    const { endCursor, hasNextPage } = marketplacePackages.pageInfo;
    return { nodes: marketplacePackages.nodes, totalCount: marketplacePackages.totalCount, cursor: endCursor ?? null, more: hasNextPage };
  }, [client, applied]);

  // Infinite scroll: the next page when the end of the list comes into view. Observed anew after
  // each page (its first report says whether the end is still in view); the pager decides.
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const element = sentinel.current;
    if (!element || loading || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) void loadRef.current(false);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [loading, items.length]);

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
              <Link to={packagePath(pkg.fullName)}>{pkg.title || pkg.fullName}</Link>
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
      {error ? <ErrorState error={error} retry={() => void load(items.length === 0)} /> : null}
      {loading ? <Loading what="Loading packages" /> : null}
      {!loading && !error && items.length === 0 ? <p>No packages match.</p> : null}
      <div ref={sentinel} aria-hidden="true" className="sentinel" />
      {hasMore && !loading && !error ? (
        <button type="button" onClick={() => void load(false)}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
