using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Lint;

/// <summary>
/// Step 1 of the article, the outbound side: each connector its own credentials, separate per environment, and
/// never written into the file.
/// </summary>
internal static partial class CredentialChecks
{
    /// <summary>Names of environments, with the spellings that mean the same one.</summary>
    private static readonly Dictionary<string, string> Environments = new(StringComparer.OrdinalIgnoreCase)
    {
        ["prod"] = "prod", ["production"] = "prod", ["prd"] = "prod",
        ["staging"] = "staging", ["stage"] = "staging", ["stg"] = "staging",
        ["dev"] = "dev", ["development"] = "dev",
        ["test"] = "test", ["testing"] = "test", ["qa"] = "qa", ["uat"] = "uat", ["sandbox"] = "sandbox",
    };

    public static IEnumerable<LintFinding> Run(LintContext context)
    {
        var uses = new List<Use>();
        foreach (var connector in context.Connectors)
        {
            var upstream = connector.Config.Upstream;
            var at = connector.Path + ".upstream";
            foreach (var (name, value) in upstream.Env)
            {
                var path = ConfigPaths.Property(at + ".env", name);
                if (SecretReference.TryParse(value, out var reference))
                {
                    uses.Add(new Use(connector, path, Key(context.Config, reference), reference));
                }
                else if (SecretName().IsMatch(name) && value.Length > 0 && !value.Contains("{data_dir}", StringComparison.Ordinal))
                {
                    yield return connector.Finding(LintRules.CredentialInline, path,
                        $"upstream.env.{name} looks like a secret but is written in the config itself; anyone who can read the file has it")
                        with
                        {
                            Fix = "Keep the secret outside the file and reference it: env:NAME (an environment variable of the gateway) or file:PATH.",
                            Snippet = new JsonObject { [name] = $"env:{connector.Name.ToUpperInvariant().Replace('-', '_').Replace('.', '_')}_{name}" },
                            SnippetAt = at + ".env",
                        };
                }
            }

            if (SecretQueryParameter(upstream.Url) is { } parameter)
            {
                yield return connector.Finding(LintRules.CredentialInline, at + ".url",
                    $"upstream.url carries {parameter} in its query, which looks like a secret written in the config itself; anyone who can read the file has it"
                    + (ListenAddress.IsSecureOrLoopback(upstream.Url!) ? "" : ", and every request sends it over plain http"))
                    with
                    {
                        Fix = "Send the credential in a header kept as a secret reference (\"headers\": { \"Authorization\": \"file:PATH\" }) if the upstream takes one; "
                            + "otherwise keep the config file as secret as the credential.",
                    };
            }

            foreach (var (name, value) in upstream.Headers)
            {
                if (SecretReference.TryParse(value, out var reference))
                {
                    uses.Add(new Use(connector, ConfigPaths.Property(at + ".headers", name), Key(context.Config, reference), reference));
                }
            }

            if (upstream.Oauth is { } oauth && SecretReference.TryParse(oauth.ClientSecret, out var secret))
            {
                uses.Add(new Use(connector, at + ".oauth.client_secret", Key(context.Config, secret), secret));
            }

            if (upstream.AllowPlainHttp && upstream.CredentialsInClear)
            {
                yield return connector.Finding(LintRules.CredentialPlainHttp, at + ".allow_plain_http",
                    $"the upstream's credentials ({(upstream.Oauth is null ? "headers" : "an OAuth token")}) go to {upstream.Display} over plain http: "
                    + "only the config says the network encrypts the hop")
                    with { Fix = "Give the upstream an https url, or keep this only where a service mesh's mutual TLS (or the like) protects the hop." };
            }
        }

        var telemetry = context.Config.Telemetry;
        if (telemetry.OtlpAllowPlainHttp && telemetry.SecretHeadersInClear)
        {
            yield return new LintFinding(LintRules.CredentialPlainHttp, "$.telemetry.otlp_allow_plain_http",
                "the collector's secret headers go over plain http: only the config says the network encrypts the hop")
                { Fix = "Give the collector an https otlp_endpoint, or keep this only where a service mesh's mutual TLS (or the like) protects the hop." };
        }

        foreach (var group in uses.GroupBy(u => u.Key, StringComparer.Ordinal))
        {
            var connectors = group.Select(u => u.Connector.Name).Distinct(StringComparer.Ordinal).ToList();
            if (connectors.Count < 2)
            {
                continue;
            }

            var first = group.First();
            yield return first.Connector.Finding(LintRules.CredentialShared, first.Path,
                $"the secret reference {first.Reference} serves connectors {string.Join(", ", connectors)} ({string.Join(", ", group.Select(u => u.Path))}): "
                + "each can act with the others' reach, and revoking it stops them all")
                with { Fix = "Give each connector its own credential, scoped to what that connector's tools need, and reference each separately." };
        }

        foreach (var use in uses)
        {
            var named = EnvironmentsNamedIn(use.Reference.Target).FirstOrDefault(e => e != Canonical(context.Config.Environment));
            if (named is not null)
            {
                yield return use.Connector.Finding(LintRules.CredentialShared, use.Path,
                    $"the secret reference {use.Reference} names the '{named}' environment, but this gateway serves '{context.Config.Environment}': "
                    + "credentials must be separate per environment")
                    with { Fix = $"Reference the '{context.Config.Environment}' credential of this connector." };
            }
        }
    }

    /// <summary>
    /// The first query parameter of <paramref name="url"/> whose name looks like a secret's (<c>api_key</c>,
    /// <c>access-token</c>, <c>clientSecret</c>), as the report may show it: the name alone when it is plain, never a value.
    /// </summary>
    private static string? SecretQueryParameter(string? url) =>
        url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) ? null
        : uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => Uri.UnescapeDataString(pair.Split('=')[0]))
            .Where(name => SecretName().IsMatch(WordBreaks().Replace(name, "$1_$2").Replace('-', '_')))
            .Select(name => PlainName().IsMatch(name) ? $"'{name}'" : "a parameter named like a secret")
            .FirstOrDefault();

    /// <summary>One reference to one secret: env references by name, file references by full path.</summary>
    private static string Key(GatewayConfig config, SecretReference reference) =>
        reference.Kind == "file" ? "file:" + config.Resolve(reference.Target) : reference.ToString();

    private static string Canonical(string environment) => Environments.GetValueOrDefault(environment, environment.ToLowerInvariant());

    private static IEnumerable<string> EnvironmentsNamedIn(string target) =>
        Words().Split(target).Where(w => Environments.ContainsKey(w)).Select(w => Environments[w]).Distinct(StringComparer.Ordinal);

    [GeneratedRegex("(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIALS?|AUTH)(_|$)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex WordBreaks();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex PlainName();

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex Words();

    private sealed record Use(LintConnector Connector, string Path, string Key, SecretReference Reference);
}
