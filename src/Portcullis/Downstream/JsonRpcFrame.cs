using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Portcullis.Downstream;

/// <summary>
/// One forward-only pass over a POST body before anything reads a string from it: too deep for the MCP layer, or
/// not valid JSON text (RFC 8259: UTF-8; I-JSON, RFC 7493: no unpaired surrogates, escaped or not). Such bodies are
/// refused whole, so no later reader meets a string it cannot decode.
/// </summary>
internal static class JsonRpcFrame
{
    /// <summary>Why the body cannot be read, or null when it is clean JSON within <paramref name="maxDepth"/>.</summary>
    public static FrameProblem? Scan(ReadOnlySpan<byte> body, int maxDepth)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = maxDepth + 2 });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray when reader.CurrentDepth >= maxDepth:
                        return FrameProblem.TooDeep;
                    case JsonTokenType.String or JsonTokenType.PropertyName when !IsCleanText(ref reader):
                        return FrameProblem.BadText;
                }
            }

            return reader.BytesConsumed == body.Length || body[(int)reader.BytesConsumed..].Trim(" \t\r\n"u8).IsEmpty ? null : FrameProblem.NotJson;
        }
        catch (JsonException)
        {
            return FrameProblem.NotJson;
        }
    }

    private static bool IsCleanText(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped)
        {
            return Utf8.IsValid(raw);
        }

        // Unescaping checks both the UTF-8 and the \u escapes (a high surrogate must be followed by a low one).
        var buffer = ArrayPool<char>.Shared.Rent(raw.Length);
        try
        {
            var length = reader.CopyString(buffer);
            return !Utf16HasLoneSurrogate(buffer.AsSpan(0, length));
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static bool Utf16HasLoneSurrogate(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
