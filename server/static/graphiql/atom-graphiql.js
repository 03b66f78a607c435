// Starts GraphiQL against this server's /graphql. A token may be handed over in the URL fragment
// (`/graphql#token=<access token>`, as the Launchpad does); the fragment never reaches the server.
(function () {
  var params = new URLSearchParams(window.location.hash.slice(1));
  var token = params.get("token");
  var headers = token ? JSON.stringify({ Authorization: "Bearer " + token }, null, 2) : undefined;
  if (token) {
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      headers: headers,
      shouldPersistHeaders: false,
      defaultQuery:
        "# Welcome to ATOM Cloud.\n" +
        "# 1. Run logIn with the demo login that\n" +
        "#    `atom serve` printed.\n" +
        "# 2. Headers tab:\n" +
        "#    {\"Authorization\": \"Bearer <accessToken>\"}\n\n" +
        "{\n  viewer {\n    user { email displayName }\n    organization { slug name }\n  }\n}\n",
    })
  );
})();
