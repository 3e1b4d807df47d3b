using System.Text.Json;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Downstream;

namespace Portcullis.Admin;

/// <summary>
/// The admin API's request bodies: clean JSON text (valid UTF-8, no unpaired surrogate, escaped or not) read whole
/// before any string is taken from it, and only the properties they document: a misspelt one is refused, never dropped.
/// </summary>
internal static class AdminBody
{
    /// <summary>How deep a body may nest; the admin API's bodies are flat objects.</summary>
    private const int MaxDepth = 32;

    /// <summary>
    /// The endpoint filter of the routes that take a body: one not sent as <c>application/json</c> (no charset, or UTF-8's)
    /// gets 415 <c>invalid_request</c>, as on the MCP listener, before it is read. A <c>text/plain</c> body was read as JSON.
    /// </summary>
    public static ValueTask<object?> RequireJson(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!JsonRpcRequestMiddleware.IdentityEncoded(request))
        {
            context.HttpContext.Response.Headers.AcceptEncoding = "identity";
            return ValueTask.FromResult<object?>(AdminResults.Error(ErrorCatalog.InvalidRequest,
                "Send the body without a Content-Encoding (only identity is accepted).", null, StatusCodes.Status415UnsupportedMediaType));
        }

        return JsonRpcRequestMiddleware.IsJson(request) && JsonRpcRequestMiddleware.DeclaresUtf8(request, out _)
            ? next(context)
            : ValueTask.FromResult<object?>(AdminResults.Error(ErrorCatalog.InvalidRequest,
                "Send the body with Content-Type: application/json (no charset, or charset=utf-8).", null, StatusCodes.Status415UnsupportedMediaType));
    }

    /// <summary>
    /// Whether <paramref name="value"/> is a string of at most <paramref name="maxLength"/> characters without a NUL, which
    /// PostgreSQL's text cannot hold (a note or a reason is kept in the state store and the audit trail).
    /// </summary>
    public static bool IsText(JsonElement value, int maxLength) =>
        value.ValueKind == JsonValueKind.String && value.GetString() is { } text && text.Length <= maxLength && !text.Contains('\0', StringComparison.Ordinal);

    /// <summary>
    /// The body as one JSON document, or why it cannot be read (<paramref name="shape"/> names what to send instead).
    /// A string no reader can decode is refused here, so no later read of one fails with an exception.
    /// </summary>
    public static async Task<(JsonDocument? Document, string? Problem)> ReadAsync(HttpRequest request, string shape, CancellationToken cancellationToken)
    {
        // Kestrel bounds the body (AdminApp.MaxBodyBytes): a longer one ends this read with a 413.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        return JsonRpcFrame.Scan(body.Span, MaxDepth) switch
        {
            null => (JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth + 2 }), null),
            FrameProblem.BadText => (null, $"The body holds invalid UTF-8 or an unpaired UTF-16 surrogate (such as \\ud800); JSON text must be valid Unicode. Send {shape}."),
            FrameProblem.TooDeep => (null, $"The body nests deeper than {MaxDepth} levels; send {shape}."),
            _ => (null, $"The body is not JSON; send {shape}."),
        };
    }

    /// <summary>The first property of the object <paramref name="body"/> not among <paramref name="names"/>, or given twice; null when none.</summary>
    public static string? Problem(JsonElement body, IReadOnlyList<string> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            if (!names.Contains(property.Name, StringComparer.Ordinal))
            {
                var meant = DidYouMean.Suggest(property.Name, names) is { } suggestion ? $" (did you mean {suggestion}?)" : "";
                return $"{LogText.Safe(property.Name, 64)}: not a property of this body{meant}; it takes {string.Join(", ", names)}.";
            }

            if (!seen.Add(property.Name))
            {
                return $"{property.Name}: given twice; give each property once.";
            }
        }

        return null;
    }
}
