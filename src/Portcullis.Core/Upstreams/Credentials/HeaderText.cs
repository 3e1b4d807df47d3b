namespace Portcullis.Core.Upstreams.Credentials;

/// <summary>
/// What a credential may hold to be sent in a header: printable ASCII (and, inside a header secret, spaces and tabs).
/// A line break would end the header and start another (or be refused by the HTTP stack only once the request is on its
/// way); a credential that holds one is refused before anything is sent.
/// </summary>
internal static class HeaderText
{
    /// <summary>A header value: printable ASCII, spaces and tabs.</summary>
    public static bool IsSendableValue(string value) => !value.AsSpan().ContainsAnyExcept(Sendable.Value);

    /// <summary>A bearer token: printable ASCII without spaces.</summary>
    public static bool IsSendableToken(string value) => !value.AsSpan().ContainsAnyExcept(Sendable.Token);

    private static class Sendable
    {
        public static readonly System.Buffers.SearchValues<char> Token = System.Buffers.SearchValues.Create(Printable('!'));

        public static readonly System.Buffers.SearchValues<char> Value = System.Buffers.SearchValues.Create("\t" + Printable(' '));

        private static string Printable(char from) => new([.. Enumerable.Range(from, '~' - from + 1).Select(c => (char)c)]);
    }
}
