"""Root resolvers, dataloaders, permission classes and the request context: GraphQL in, domain calls out."""
