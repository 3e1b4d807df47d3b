namespace Portcullis.Core.Configuration;

/// <summary>Where inbound tokens come from and how they are checked.</summary>
public sealed class IdentityConfig
{
    /// <summary>The embedded development issuer; only allowed on loopback.</summary>
    public bool Dev { get; set; }

    public string? Issuer { get; set; }

    public string? JwksUri { get; set; }

    /// <summary>OIDC authority whose discovery document names the keys.</summary>
    public string? Authority { get; set; }

    /// <summary>The claim that carries the token's environment.</summary>
    public string EnvironmentClaim { get; set; } = ConfigDefaults.EnvironmentClaim;

    /// <summary>The claim that names the person (or service) calling: the principal, on the MCP endpoints and the admin plane alike.</summary>
    /// <remarks>
    /// A provider that issues pairwise subjects (OIDC pairwise <c>sub</c>, Entra ID's per-application <c>sub</c>) gives one
    /// person a different <c>sub</c> in the agent's token and in the console's; the claim named here must be the same for
    /// them in both (Entra ID: <c>oid</c>), or the review guard cannot see a reviewer deciding their own call.
    /// </remarks>
    public string SubjectClaim { get; set; } = ConfigDefaults.SubjectClaim;

    public int ClockSkewSeconds { get; set; } = ConfigDefaults.ClockSkewSeconds;
}
