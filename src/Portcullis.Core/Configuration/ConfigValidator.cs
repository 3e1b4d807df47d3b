namespace Portcullis.Core.Configuration;

/// <summary>Checks what the schema cannot: cross-references, loopback-only features, scope grants.</summary>
internal static partial class ConfigValidator
{
    public static IEnumerable<ConfigError> Validate(GatewayConfig config, bool serving = true)
    {
        // Behind a proxy the listen address is loopback while clients come from anywhere: public_url tells.
        var loopback = ListenAddress.IsLoopback(config.Listen) && (config.PublicUrl is null || ListenAddress.IsLoopback(config.PublicUrl));
        foreach (var error in ValidateAddresses(config))
        {
            yield return error;
        }

        foreach (var error in ValidateState(config, serving))
        {
            yield return error;
        }

        foreach (var error in ValidateIdentity(config, loopback))
        {
            yield return error;
        }

        foreach (var error in ObservabilityValidator.Validate(config))
        {
            yield return error;
        }

        foreach (var error in ReviewValidator.Validate(config))
        {
            yield return error;
        }

        foreach (var error in ValidateInvariants(config))
        {
            yield return error;
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < config.Connectors.Count; i++)
        {
            var connector = config.Connectors[i];
            var at = $"$.connectors[{i}]";
            if (!names.Add(connector.Server))
            {
                yield return new ConfigError($"{at}.server", $"another connector is already named '{connector.Server}'");
            }

            foreach (var error in ValidateConnector(config, connector, at, loopback))
            {
                yield return error;
            }
        }
    }

    private static IEnumerable<ConfigError> ValidateState(GatewayConfig config, bool serving)
    {
        if (config.Idempotency.Store is not null)
        {
            yield return new ConfigError("$.idempotency.store",
                "moved: the store of shared state is now state.store (\"state\": {\"store\": \"sqlite\" | \"redis\" | \"postgres\", \"connection\": \"env:NAME\"}); remove idempotency.store");
        }

        if (config.Idempotency.Connection is not null)
        {
            yield return new ConfigError("$.idempotency.connection",
                "moved: the connection of a networked store is now state.connection (a secret reference such as env:NAME); remove idempotency.connection");
        }

        var state = config.State;
        if (!state.IsNetworked)
        {
            if (state.Connection is not null)
            {
                yield return new ConfigError("$.state.connection", "the sqlite store is a file in data_dir and takes no connection; remove it or choose redis or postgres");
            }

            yield break;
        }

        if (state.Connection is null)
        {
            yield return new ConfigError("$.state.connection", $"the {state.Store} store needs a connection: a secret reference such as env:PORTCULLIS_STATE or file:/run/secrets/state");
        }
        else if (!SecretReference.TryParse(state.Connection, out _))
        {
            yield return new ConfigError("$.state.connection", "must be a secret reference (env:NAME or file:PATH), never the connection string itself");
        }

        if (config.Identity.Dev)
        {
            yield return new ConfigError("$.identity.dev",
                $"the development identity signs with a key in one replica's data dir, so other replicas cannot check its tokens; with the {state.Store} store configure a real identity provider (identity.issuer and identity.jwks_uri, or identity.authority)");
        }

        var advertise = config.Replica.AdvertiseUrl;
        if (advertise is null)
        {
            if (!serving)
            {
                yield break;
            }

            yield return new ConfigError("$.replica.advertise_url",
                $"required with the {state.Store} store: the URL at which the other replicas reach this one directly (serve --advertise-url overrides it per replica)");
        }
        else if (!Uri.TryCreate(advertise, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            yield return new ConfigError("$.replica.advertise_url", "must be an http(s) base URL without a path, such as http://10.0.0.5:8080");
        }
        else if (uri.Port == 0 && config.Replica.Id is null)
        {
            // Port 0 is the port this replica binds: the default id (the advertised URL) would be the same on every replica of a host.
            yield return new ConfigError("$.replica.id",
                $"required when replica.advertise_url takes the port this replica binds (port 0): a unique, stable id such as the pod or host name");
        }
    }

    /// <summary>
    /// Claims that name something other than the caller: the token itself, its audience, its times, its scopes, the
    /// client (one client serves many people), or its environment. Keyed by one of them, different people would be one
    /// principal (sharing idempotency keys, budgets, and the review guard's verdict) or one person many.
    /// </summary>
    private static readonly HashSet<string> NotSubjectClaims = new(StringComparer.Ordinal)
    {
        "iss", "aud", "exp", "nbf", "iat", "jti", "scope", "scp", "client_id", "azp", "cnf", "typ",
    };

    private static IEnumerable<ConfigError> ValidateIdentity(GatewayConfig config, bool loopback)
    {
        var identity = config.Identity;
        // Empty or over 255 characters, the schema says so.
        var subjectClaim = identity.SubjectClaim;
        if (subjectClaim.Length is > 0 and <= 255)
        {
            if (!subjectClaim.All(c => c is > ' ' and < '\u007f' and not '"' and not '\\'))
            {
                yield return new ConfigError("$.identity.subject_claim", "must be a claim name: printable ASCII without spaces, quotes or backslashes (such as sub or oid)");
            }
            else if (NotSubjectClaims.Contains(subjectClaim) || string.Equals(subjectClaim, identity.EnvironmentClaim, StringComparison.Ordinal))
            {
                yield return new ConfigError("$.identity.subject_claim",
                    $"'{subjectClaim}' does not name the person calling (it names the token, its audience, times, scopes, client or environment); use sub, or a claim your provider keeps the same for a person in every token, such as oid");
            }
        }

        // Admin API calls need tokens too, from the same identity provider.
        var needsIdentity = config.Connectors.Any(c => !c.Auth.IsAnonymous) || config.Admin.Listen is not null;
        if (identity.Dev)
        {
            if (!loopback)
            {
                yield return new ConfigError("$.identity.dev", "the development identity is allowed only while listening on loopback");
            }

            if (identity.Issuer is not null || identity.JwksUri is not null || identity.Authority is not null)
            {
                yield return new ConfigError("$.identity", "dev cannot be combined with issuer, jwks_uri or authority");
            }
        }
        else if (needsIdentity)
        {
            foreach (var (key, url) in new[] { ("jwks_uri", identity.JwksUri), ("authority", identity.Authority) })
            {
                if (url is not null && !ListenAddress.IsSecureOrLoopback(url))
                {
                    yield return new ConfigError($"$.identity.{key}", ListenAddress.SecureRule);
                }
                else if (url is not null && UrlProblem(url) is { } problem)
                {
                    yield return new ConfigError($"$.identity.{key}", problem);
                }
            }

            if (identity.Issuer is null && identity.Authority is null)
            {
                yield return new ConfigError("$.identity", "an issuer (or authority) is required while any connector uses oauth or the admin plane listens");
            }

            if (identity.JwksUri is null && identity.Authority is null)
            {
                yield return new ConfigError("$.identity", "jwks_uri or authority is required to check token signatures");
            }

            if (identity.JwksUri is not null && identity.Authority is not null)
            {
                yield return new ConfigError("$.identity", "give authority (its discovery document names the issuer and the keys) or jwks_uri with issuer, not both");
            }
        }
    }

    /// <summary>
    /// Headers the HTTP client, the MCP transport or the gateway sets for each request: one from the config would frame
    /// the message wrongly (a second length, a chunked body that is not), take over the session, or hide the trace.
    /// </summary>
    private static readonly HashSet<string> OwnedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding", "Connection", "Keep-Alive", "Proxy-Connection",
        "Upgrade", "TE", "Trailer", "Expect", "Accept", "Mcp-Session-Id", "Mcp-Protocol-Version", "Mcp-Method", "Last-Event-ID",
        "traceparent", "tracestate",
    };

    internal const string UserInfoProblem = "holds a user name or password, which the HTTP client never sends and the file does not keep secret";

    /// <summary>What is wrong with a URL the gateway sends requests to, never repeating it (it may hold a password).</summary>
    internal static string? UrlProblem(string url) =>
        !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0 ? "is not a valid http(s) URL"
        : uri.UserInfo.Length > 0 ? UserInfoProblem
        : null;

    private static IEnumerable<ConfigError> ValidateCredentials(UpstreamConfig upstream, string at)
    {
        foreach (var name in upstream.Headers.Keys)
        {
            if (name.Length == 0 || !name.All(c => c is > ' ' and < '\u007f' && !"()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal)))
            {
                yield return new ConfigError($"{at}.headers", $"'{name}' is not a valid HTTP header name");
            }
            else if (OwnedHeaders.Contains(name))
            {
                yield return new ConfigError(ConfigPaths.Property($"{at}.headers", name),
                    "is set by HTTP or MCP for each request (the message's framing, its session, its trace), not by the config");
            }
        }

        if (upstream.Url is { } written && UrlProblem(written) is { } problem)
        {
            yield return new ConfigError($"{at}.url", problem
                + (problem == UserInfoProblem ? ": give the credential in headers as a secret reference (\"Authorization\": \"file:PATH\" holding \"Basic …\" or \"Bearer …\")" : ""));
        }

        if (upstream.CredentialsInClear && !upstream.AllowPlainHttp)
        {
            yield return new ConfigError($"{at}.url",
                $"{ListenAddress.SecureRule}: the upstream is sent credentials ({(upstream.Oauth is null ? "headers" : "an OAuth token")}); "
                + "where the network encrypts on its own (a service mesh's mutual TLS), say so with allow_plain_http: true");
        }

        if (upstream.Oauth is not { } oauth)
        {
            yield break;
        }

        if (upstream.Command is not null)
        {
            yield return new ConfigError($"{at}.oauth", "oauth client credentials apply to url upstreams only");
        }

        if (!ListenAddress.IsSecureOrLoopback(oauth.TokenUrl))
        {
            yield return new ConfigError($"{at}.oauth.token_url", ListenAddress.SecureRule);
        }
        else if (UrlProblem(oauth.TokenUrl) is { } tokenUrlProblem)
        {
            yield return new ConfigError($"{at}.oauth.token_url", tokenUrlProblem + ": the client id and secret are sent as client_secret_basic");
        }

        if (upstream.Headers.Keys.Any(h => string.Equals(h, "Authorization", StringComparison.OrdinalIgnoreCase)))
        {
            yield return new ConfigError($"{at}.headers.Authorization", "oauth sets the Authorization header; do not set it in headers as well");
        }
    }

    private static IEnumerable<ConfigError> ValidateConnector(GatewayConfig config, ConnectorConfig connector, string at, bool loopback)
    {
        if (!string.Equals(connector.Environment, config.Environment, StringComparison.Ordinal))
        {
            yield return new ConfigError($"{at}.environment",
                "differs from the gateway's environment (the top-level environment); run one gateway per environment");
        }

        if (connector.Auth.IsAnonymous && !loopback)
        {
            yield return new ConfigError($"{at}.auth.mode", "anonymous connectors (mode none) are allowed only while listening on loopback");
        }

        var upstream = connector.Upstream;
        if ((upstream.Command is null) == (upstream.Url is null))
        {
            yield return new ConfigError($"{at}.upstream", "give exactly one of command (a stdio server) or url (a Streamable HTTP server)");
        }

        if (upstream.Command is not null && upstream.Headers.Count > 0)
        {
            yield return new ConfigError($"{at}.upstream.headers", "headers apply to url upstreams only");
        }

        if (upstream.Url is not null && (upstream.Args.Count > 0 || upstream.Env.Count > 0))
        {
            yield return new ConfigError($"{at}.upstream", "args and env apply to command upstreams only");
        }

        if (upstream.Command is not null && Path.IsPathRooted(upstream.Command) && !File.Exists(upstream.Command))
        {
            yield return new ConfigError($"{at}.upstream.command", $"the file '{upstream.Command}' does not exist");
        }

        if (upstream.WorkingDir is not null && !Directory.Exists(upstream.WorkingDir))
        {
            yield return new ConfigError($"{at}.upstream.working_dir", $"the folder '{upstream.WorkingDir}' does not exist");
        }

        foreach (var error in ValidateCredentials(upstream, $"{at}.upstream"))
        {
            yield return error;
        }

        foreach (var (name, value) in upstream.Env)
        {
            if (SecretReference.LooksLikeReference(value) && !SecretReference.TryParse(value, out _))
            {
                yield return new ConfigError($"{at}.upstream.env.{name}", "not a valid secret reference (env:NAME or file:PATH)");
            }
        }

        for (var r = 0; r < connector.ResourcesAllow.Count; r++)
        {
            if (ResourcePattern.Problem(connector.ResourcesAllow[r]) is { } problem)
            {
                yield return new ConfigError($"{at}.resources_allow[{r}]", problem);
            }
        }

        foreach (var error in ValidateAccess(connector, at))
        {
            yield return error;
        }

        var granted = connector.Auth.Scopes.ToHashSet(StringComparer.Ordinal);
        for (var t = 0; t < connector.ToolsAllow.Count; t++)
        {
            var tool = connector.ToolsAllow[t];
            connector.Tools.TryGetValue(tool, out var policy);
            if (!connector.Auth.IsAnonymous && (policy is null || policy.Scopes.Count == 0))
            {
                yield return new ConfigError($"{at}.tools_allow[{t}]",
                    $"'{tool}' is allow-listed but declares no scopes in tools.{tool}.scopes (no implicit access)");
            }
        }

        var allowed = connector.ToolsAllow.ToHashSet(StringComparer.Ordinal);
        foreach (var (tool, policy) in connector.Tools)
        {
            if (!allowed.Contains(tool))
            {
                // A misspelt name would otherwise leave the real tool without its policy (its review, its scopes), silently.
                yield return new ConfigError(ConfigPaths.Property($"{at}.tools", tool),
                    "is not in tools_allow; a policy applies only to an allow-listed tool, written exactly as there (to switch a tool off, remove both, or comment the policy out)");
            }

            foreach (var scope in policy.Scopes.Where(s => !granted.Contains(s)))
            {
                yield return new ConfigError($"{at}.tools.{tool}.scopes",
                    $"'{scope}' is not granted to the connector (add it to auth.scopes or remove it here)");
            }

            if (policy.InputSchema is { } overlay)
            {
                foreach (var error in Schemas.OverlayShape.Check(overlay, $"{at}.tools.{tool}.input_schema"))
                {
                    yield return error;
                }
            }

            if (policy.ReadOnly == true && policy.AllowDestructive)
            {
                yield return new ConfigError($"{at}.tools.{tool}", "a tool cannot be both read_only and allow_destructive");
            }
        }
    }
}
