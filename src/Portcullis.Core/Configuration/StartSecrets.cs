namespace Portcullis.Core.Configuration;

/// <summary>
/// The secrets <c>serve</c> needs from its first moment, read before anything starts: a stdio upstream's <c>env</c>
/// references (its process is given them once, when it starts), <c>telemetry.otlp_headers</c> (the exporter is given
/// them once), <c>state.connection</c> and <c>review.notify_url</c>, all reported at once. <c>lint</c> and
/// <c>pin</c> do not ask: they list tools on machines that need not hold the secrets. The secrets read at each request
/// (<c>headers</c>, <c>oauth.client_secret</c>) are not asked for either; their absence fails the request, retryably.
/// </summary>
public static class StartSecrets
{
    /// <summary>Throws <see cref="ConfigException"/> naming every reference that resolves to nothing usable.</summary>
    public static void Check(GatewayConfig config)
    {
        var errors = new List<ConfigError>();
        for (var c = 0; c < config.Connectors.Count; c++)
        {
            var upstream = config.Connectors[c].Upstream;
            foreach (var (name, value) in upstream.IsStdio ? upstream.Env : [])
            {
                // A variable set empty is passed on empty, as the operator set it; unset, it is missing.
                if (SecretReference.TryParse(value, out var reference) && reference.Resolve(config.BaseDirectory, out var absence) is null)
                {
                    errors.Add(new ConfigError(ConfigPaths.Property($"$.connectors[{c}].upstream.env", name),
                        $"{reference} resolves to nothing ({absence}): the upstream would start without {name}"));
                }
            }
        }

        foreach (var (name, value) in config.Telemetry.OtlpEndpoint is null ? [] : config.Telemetry.OtlpHeaders)
        {
            if (!SecretReference.TryParse(value, out var reference))
            {
                continue;
            }

            var resolved = reference.Resolve(config.BaseDirectory, out var absence);
            if (string.IsNullOrEmpty(resolved) || !OtlpHeaderValue(resolved))
            {
                errors.Add(new ConfigError(ConfigPaths.Property("$.telemetry.otlp_headers", name), string.IsNullOrEmpty(resolved)
                    ? $"{reference} resolves to nothing ({absence}): the collector would be sent the header empty"
                    : $"{reference} resolves to a value that {OtlpHeaderRule}"));
            }
        }

        if (config.State.Connection is { } connection && SecretReference.TryParse(connection, out var state)
            && string.IsNullOrWhiteSpace(state.Resolve(config.BaseDirectory, out var missing)))
        {
            errors.Add(new ConfigError("$.state.connection", $"{state} resolves to nothing ({missing})"));
        }

        if (config.Review.NotifyUrl is { } url && SecretReference.TryParse(url, out var notify))
        {
            var resolved = notify.Resolve(config.BaseDirectory, out var absence)?.Trim();
            if (string.IsNullOrEmpty(resolved) || !ReviewValidator.IsNotifyUrl(resolved))
            {
                errors.Add(new ConfigError("$.review.notify_url", string.IsNullOrEmpty(resolved)
                    ? $"{notify} resolves to nothing ({absence})"
                    : $"{notify} resolves to a URL that is neither https nor plain http to a loopback host"));
            }
        }

        if (errors.Count > 0)
        {
            throw new ConfigException("secrets", errors);
        }
    }

    /// <summary>What an OTLP header value may not hold, as the errors say it.</summary>
    internal const string OtlpHeaderRule = "holds a comma, a '%', a line break, a control or a non-ASCII character, which the exporter cannot send as one header";

    /// <summary>
    /// The exporter takes its headers as one <c>name=value,name=value</c> text, percent-decoded: a comma would split a
    /// value, and a <c>%</c> could be decoded into anything, a line break included.
    /// </summary>
    internal static bool OtlpHeaderValue(string value) =>
        Upstreams.Credentials.HeaderText.IsSendableValue(value) && value.AsSpan().IndexOfAny(',', '%') < 0;
}
