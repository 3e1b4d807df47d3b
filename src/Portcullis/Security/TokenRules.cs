namespace Portcullis.Security;

/// <summary>
/// What a validated token must say to open one protected resource: its audience (alone, unless others are allowed),
/// its environment (in <paramref name="EnvironmentClaim"/>), its subject (one string in <paramref name="SubjectClaim"/>),
/// and a lifetime of at most <paramref name="TtlSeconds"/>.
/// </summary>
internal readonly record struct TokenRules(
    string Audience,
    bool AllowOtherAudiences,
    string EnvironmentClaim,
    string SubjectClaim,
    string Environment,
    int TtlSeconds,
    TimeSpan ClockSkew);
