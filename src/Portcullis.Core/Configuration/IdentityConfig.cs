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

    public int ClockSkewSeconds { get; set; } = ConfigDefaults.ClockSkewSeconds;
}
