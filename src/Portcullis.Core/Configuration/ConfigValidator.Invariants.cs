namespace Portcullis.Core.Configuration;

/// <summary>Rules between keys: addresses, and time limits that must nest inside each other.</summary>
internal static partial class ConfigValidator
{
    private static IEnumerable<ConfigError> ValidateAddresses(GatewayConfig config)
    {
        if (ListenAddress.Problem(config.Listen) is { } problem)
        {
            yield return new ConfigError("$.listen", problem);
        }
        else if (Uri.TryCreate(config.Listen, UriKind.Absolute, out var listen) && listen.Port == 0 && !System.Net.IPAddress.TryParse(listen.Host.Trim('[', ']'), out _))
        {
            // Kestrel binds a free port only on an address; the bound URL is then logged and used for resource URIs.
            yield return new ConfigError("$.listen", "port 0 (any free port) needs an IP address such as http://127.0.0.1:0, not a host name");
        }

        if (config.AllowedHosts is { Count: 0 })
        {
            yield return new ConfigError("$.allowed_hosts", "must not be empty: an empty list refuses every request (leave the key out for the default)");
        }

        if (config.PublicUrl is { } publicUrl && Uri.TryCreate(publicUrl, UriKind.Absolute, out var reached) && reached.Port == 0)
        {
            yield return new ConfigError("$.public_url", "must name the port clients use; port 0 is only for listen");
        }
    }

    private static IEnumerable<ConfigError> ValidateInvariants(GatewayConfig config)
    {
        var lease = config.Idempotency.LeaseSeconds;
        if ((long)config.Idempotency.RetentionHours * 3600 <= lease)
        {
            yield return new ConfigError("$.idempotency.retention_hours",
                $"must be longer than idempotency.lease_seconds ({lease} s): a record forgotten while its call may still run would let the key be claimed again");
        }

        for (var i = 0; i < config.Connectors.Count; i++)
        {
            var connector = config.Connectors[i];
            foreach (var error in ValidateWriteTimeouts(connector, $"$.connectors[{i}]", lease))
            {
                yield return error;
            }
        }
    }

    /// <summary>
    /// Every tool that may be a write (not declared <c>read_only</c> here; the upstream's annotation is not known yet)
    /// must time out before its idempotency lease ends, the default timeout included, or a repeat during the call
    /// would be answered as outcome-unknown while the first call still runs.
    /// </summary>
    private static IEnumerable<ConfigError> ValidateWriteTimeouts(ConnectorConfig connector, string at, int lease)
    {
        foreach (var (tool, policy) in connector.Tools)
        {
            var timeout = policy.TimeoutSeconds ?? ConfigDefaults.CallTimeoutSeconds;
            if (policy.ReadOnly != true && timeout >= lease)
            {
                yield return new ConfigError(policy.TimeoutSeconds is null ? $"{at}.tools.{tool}" : $"{at}.tools.{tool}.timeout_seconds",
                    $"a write's timeout ({timeout} s{(policy.TimeoutSeconds is null ? ", the default" : "")}) must be shorter than idempotency.lease_seconds ({lease} s), or a repeat during the call would be answered as outcome-unknown");
            }
        }

        for (var t = 0; t < connector.ToolsAllow.Count; t++)
        {
            var tool = connector.ToolsAllow[t];
            if (!connector.Tools.ContainsKey(tool) && ConfigDefaults.CallTimeoutSeconds >= lease)
            {
                yield return new ConfigError($"{at}.tools_allow[{t}]",
                    $"'{tool}' may be a write and times out after the default {ConfigDefaults.CallTimeoutSeconds} s, which must be shorter than idempotency.lease_seconds ({lease} s): declare it read_only or give it a shorter timeout_seconds");
            }
        }
    }
}
