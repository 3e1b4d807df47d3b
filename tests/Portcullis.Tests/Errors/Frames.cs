using System.Text;
using CsCheck;

namespace Portcullis.Tests.Errors;

/// <summary>
/// Generated MCP POST bodies: real frames of every kind, then mutated (truncated, bytes replaced, hostile byte
/// sequences and escaped lone surrogates spliced in, ranges dropped or doubled), re-encoded (UTF-16, UTF-32,
/// Latin-1, with and without a BOM), or random bytes and token soup.
/// </summary>
internal static class Frames
{
    private static readonly string[] Corpus =
    [
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}""",
        """{"jsonrpc":"2.0","id":"w-2","method":"tools/call","params":{"name":"record","arguments":{"note":"hi","idempotency_key":"fuzz-key"}}}""",
        """{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{}}""",
        """{"jsonrpc":"2.0","id":4,"method":"ping"}""",
        """{"jsonrpc":"2.0","id":5,"method":"resources/list","params":{"cursor":"x"}}""",
        """{"jsonrpc":"2.0","id":6,"method":"resources/read","params":{"uri":"test://x/y"}}""",
        """{"jsonrpc":"2.0","id":7,"method":"prompts/get","params":{"name":"p","arguments":{"a":"b"}}}""",
        """{"jsonrpc":"2.0","id":8,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":"b"}}}""",
        """{"jsonrpc":"2.0","id":9,"method":"logging/setLevel","params":{"level":"debug"}}""",
        // A request its own client cancels gets no answer (MCP: the receiver of a cancellation does not respond, and
        // the client stops waiting): the fuzzer cancels an id it never sends, so no frame waits for an answer that
        // by design never comes.
        """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"never-sent","reason":"x"}}""",
        """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
        """{"jsonrpc":"2.0","id":10,"result":{}}""",
        """{"jsonrpc":"2.0","id":11,"error":{"code":-1,"message":"no"}}""",
        """{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"},"_meta":{"progressToken":"p"}}}""",
    ];

    private static readonly byte[][] Hostile =
    [
        [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xE2, 0x82], [0x00], [0xEF, 0xBB, 0xBF],
        "\\ud800"u8.ToArray(), "\\udfff"u8.ToArray(), "\\ud800\\u0041"u8.ToArray(), "\\"u8.ToArray(), "\\u00"u8.ToArray(),
    ];

    private static readonly string[] Surrogates = ["\\ud800", "\\udc00", "\\ud800\\u0041", "\\udbff\\udbff", "a\\udfffb", "\\uD834"];

    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", ",", ":", "\"jsonrpc\"", "\"2.0\"", "\"method\"", "\"tools/call\"", "\"params\"", "\"id\"", "1", "null",
        "{\"name\":", "\"echo\"", "\"arguments\"", "\"\\ud800\"", "1e999", "-0", "\"", "true",
    ];

    private static readonly Encoding[] Encodings =
    [
        Encoding.Unicode, Encoding.BigEndianUnicode, Encoding.UTF32, new UTF32Encoding(bigEndian: true, byteOrderMark: true), Encoding.Latin1,
    ];

    private static readonly Gen<string> Text = Gen.OneOfConst(Corpus);
    private static readonly Gen<byte[]> Valid = Text.Select(Encoding.UTF8.GetBytes);

    private static readonly Gen<byte[]> Truncated = Valid.SelectMany(b => Gen.Int[0, b.Length - 1].Select(n => b[..n]));

    private static readonly Gen<byte[]> Flipped = Valid.SelectMany(b =>
        Gen.Select(Gen.Int[0, b.Length - 1], Gen.Byte).Array[1, 4].Select(edits =>
        {
            var copy = (byte[])b.Clone();
            foreach (var (at, value) in edits)
            {
                copy[at] = value;
            }

            return copy;
        }));

    private static readonly Gen<byte[]> Spliced = Valid.SelectMany(b =>
        Gen.Select(Gen.Int[0, b.Length], Gen.OneOfConst(Hostile)).Select((at, bytes) => (byte[])[.. b[..at], .. bytes, .. b[at..]]));

    private static readonly Gen<byte[]> LoneSurrogate = Gen.Select(Text, Gen.OneOfConst(Surrogates), Gen.Int[0, 40], Gen.Bool)
        .Select((text, surrogate, which, replace) => Encoding.UTF8.GetBytes(IntoString(text, surrogate, which, replace)));

    private static readonly Gen<byte[]> Reencoded = Gen.Select(Text, Gen.OneOfConst(Encodings), Gen.Bool)
        .Select((text, encoding, bom) => (byte[])[.. (bom ? encoding.GetPreamble() : []), .. encoding.GetBytes(text.Replace("hi", "hé€😀", StringComparison.Ordinal))]);

    private static readonly Gen<byte[]> Reshaped = Valid.SelectMany(b =>
        Gen.Select(Gen.Int[0, b.Length - 1], Gen.Int[0, 30], Gen.Bool).Select((at, length, drop) =>
        {
            var end = Math.Min(b.Length, at + length);
            return drop ? (byte[])[.. b[..at], .. b[end..]] : [.. b[..end], .. b[at..]];
        }));

    private static readonly Gen<byte[]> Random = Gen.Byte.Array[0, 200];

    private static readonly Gen<byte[]> Soup = Gen.OneOfConst(Tokens).Array[0, 24].Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts)));

    /// <summary>One body, and whether it is sent inside the open session.</summary>
    public static readonly Gen<(byte[] Body, bool InSession)> Frame = Gen.Select(
        Gen.Frequency(
            (1, Valid), (3, Truncated), (3, Flipped), (3, Spliced), (3, LoneSurrogate), (2, Reencoded), (2, Reshaped), (1, Random), (2, Soup)),
        Gen.Int[0, 9].Select(i => i > 0));

    /// <summary>The frame with <paramref name="surrogate"/> put into (or in place of) one of its string values.</summary>
    private static string IntoString(string text, string surrogate, int which, bool replace)
    {
        var quotes = Enumerable.Range(0, text.Length).Where(i => text[i] == '"').ToList();
        var pair = which % (quotes.Count / 2) * 2;
        var (open, close) = (quotes[pair], quotes[pair + 1]);
        return replace
            ? text[..(open + 1)] + surrogate + text[close..]
            : text[..(open + 1)] + surrogate + text[(open + 1)..];
    }
}
