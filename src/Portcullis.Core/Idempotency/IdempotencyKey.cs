using System.Text;
using System.Text.Json;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Idempotency;

/// <summary>Reads and checks the <c>idempotency_key</c> argument of a write.</summary>
internal static class IdempotencyKey
{
    /// <summary>The key, or the error to answer with: missing → <c>idempotency_key_missing</c>, malformed → <c>invalid_arguments</c>.</summary>
    public static bool TryRead(IDictionary<string, JsonElement> arguments, out string key, out GatewayError? error)
    {
        key = "";
        if (!arguments.TryGetValue(IdempotencyKeySchema.PropertyName, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            error = new GatewayError(ErrorCatalog.IdempotencyKeyMissing,
                "This tool changes data and needs an 'idempotency_key' argument: a string you derive from the task and reuse unchanged when you retry.");
            return false;
        }

        string? text = null;
        if (value.ValueKind == JsonValueKind.String)
        {
            try
            {
                text = value.GetString();
            }
            catch (InvalidOperationException)
            {
                text = null;
            }
        }

        if (text is null || !IsValid(text))
        {
            error = new GatewayError(ErrorCatalog.InvalidArguments,
                $"'idempotency_key' must be a string of 1 to {IdempotencyKeySchema.MaxLength} printable characters.")
            {
                Details = [new ErrorDetail("/" + IdempotencyKeySchema.PropertyName, value.ValueKind == JsonValueKind.String ? "pattern" : "type",
                    $"a string of 1 to {IdempotencyKeySchema.MaxLength} printable characters")],
            };
            return false;
        }

        key = text;
        error = null;
        return true;
    }

    /// <summary>
    /// 1–255 Unicode code points (as JSON Schema counts length), none of them a lone surrogate or a character that shows
    /// nothing or reorders the text (<see cref="VisibleText"/>): keys that read alike must be alike.
    /// </summary>
    public static bool IsValid(string key)
    {
        var count = 0;
        var span = key.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != System.Buffers.OperationStatus.Done
                || VisibleText.IsHidden(rune) || ++count > IdempotencyKeySchema.MaxLength)
            {
                return false;
            }

            span = span[consumed..];
        }

        return count > 0;
    }
}
