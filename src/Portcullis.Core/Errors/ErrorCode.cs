namespace Portcullis.Core.Errors;

/// <summary>One entry of the closed error catalog: a stable code and whether a retry can succeed.</summary>
public sealed class ErrorCode
{
    internal ErrorCode(string code, bool retryable)
    {
        Code = code;
        Retryable = retryable;
    }

    /// <summary>The wire code, such as <c>rate_limited</c>.</summary>
    public string Code { get; }

    /// <summary>Whether the same call may succeed if retried later.</summary>
    public bool Retryable { get; }

    public override string ToString() => Code;
}
