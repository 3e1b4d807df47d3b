namespace Portcullis.Core.Configuration;

/// <summary>Inbound auth of one connector.</summary>
public sealed class AuthConfig
{
    /// <summary><c>oauth</c> (the default) or <c>none</c> (loopback only).</summary>
    public string Mode { get; set; } = ConfigDefaults.AuthMode;

    /// <summary>The scopes this connector is granted; a tool may require only these.</summary>
    public List<string> Scopes { get; set; } = [];

    public int TokenTtlSeconds { get; set; } = ConfigDefaults.TokenTtlSeconds;

    /// <summary>Answer missing scopes with HTTP 403 step-up challenges instead of hiding the tool.</summary>
    public bool StepUp { get; set; }

    /// <summary>Accept tokens whose <c>aud</c> also names other resources; by default it must name this connector only.</summary>
    public bool AllowMultipleAudiences { get; set; }

    internal bool IsAnonymous => string.Equals(Mode, "none", StringComparison.Ordinal);
}
