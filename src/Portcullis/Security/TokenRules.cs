namespace Portcullis.Security;

/// <summary>
/// What a validated token must say to open one protected resource: its audience (alone, unless others are allowed),
/// its environment (in <paramref name="EnvironmentClaim"/>), and a lifetime of at most <paramref name="TtlSeconds"/>.
/// </summary>
internal readonly record struct TokenRules(
    string Audience,
    bool AllowOtherAudiences,
    string EnvironmentClaim,
    string Environment,
    int TtlSeconds,
    TimeSpan ClockSkew);
