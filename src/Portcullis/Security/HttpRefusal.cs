namespace Portcullis.Security;

/// <summary>Left on a request by the component that refused it at the HTTP level, for the audit trail.</summary>
/// <param name="Stage">One of the HTTP-level stages of <c>CallStage</c>.</param>
/// <param name="Code">The error catalog's code for the refusal.</param>
/// <param name="Reason">A short reason class (never a token or a secret), such as <c>expired</c>.</param>
/// <param name="Tool">The tool a refused tools/call named, when known.</param>
internal sealed record HttpRefusal(string Stage, string Code, string Reason, string? Tool = null);
