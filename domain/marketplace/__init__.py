"""The marketplace: publishers, signing identities, packages, versions, analyses, reviews, installs."""
