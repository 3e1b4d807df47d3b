namespace Portcullis.Core.Configuration;

/// <summary>Scopes and timeouts of resources and prompts, which follow the same rules as tools.</summary>
internal static partial class ConfigValidator
{
    private static IEnumerable<ConfigError> ValidateAccess(ConnectorConfig connector, string at)
    {
        foreach (var error in ValidateEntries(connector, connector.ResourcesAllow, connector.Resources, "resources_allow", "resources", at))
        {
            yield return error;
        }

        foreach (var error in ValidateEntries(connector, connector.PromptsAllow, connector.Prompts, "prompts_allow", "prompts", at))
        {
            yield return error;
        }
    }

    private static IEnumerable<ConfigError> ValidateEntries(
        ConnectorConfig connector, List<string> allowed, Dictionary<string, AccessConfig> policies, string allowKey, string policyKey, string at)
    {
        var granted = connector.Auth.Scopes.ToHashSet(StringComparer.Ordinal);
        var listed = allowed.ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < allowed.Count; i++)
        {
            policies.TryGetValue(allowed[i], out var policy);
            if (!connector.Auth.IsAnonymous && (policy is null || policy.Scopes.Count == 0))
            {
                yield return new ConfigError($"{at}.{allowKey}[{i}]",
                    $"'{allowed[i]}' is allow-listed but declares no scopes in {policyKey}['{allowed[i]}'].scopes (no implicit access)");
            }
        }

        foreach (var (entry, policy) in policies)
        {
            var here = $"{at}.{policyKey}['{entry.Replace("'", "\\'", StringComparison.Ordinal)}']";
            if (!listed.Contains(entry))
            {
                yield return new ConfigError(here, $"'{entry}' is not in {allowKey}; a policy applies only to an allow-listed entry, written exactly as there");
            }

            foreach (var scope in policy.Scopes.Where(s => !granted.Contains(s)))
            {
                yield return new ConfigError($"{here}.scopes", $"'{scope}' is not granted to the connector (add it to auth.scopes or remove it here)");
            }
        }
    }
}
