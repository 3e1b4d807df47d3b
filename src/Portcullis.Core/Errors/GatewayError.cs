namespace Portcullis.Core.Errors;

/// <summary>A failure the gateway answers with; its message is safe to show a model.</summary>
public sealed record GatewayError(ErrorCode Code, string Message)
{
    public int? RetryAfterSeconds { get; init; }

    public IReadOnlyList<ErrorDetail>? Details { get; init; }

    public static GatewayError ToolNotFound(string tool) =>
        new(ErrorCatalog.ToolNotFound, $"Tool '{tool}' does not exist on this server.");

    public static GatewayError Internal() =>
        new(ErrorCatalog.Internal, "The gateway failed to handle the call; the log has the details under the correlation id.");
}
