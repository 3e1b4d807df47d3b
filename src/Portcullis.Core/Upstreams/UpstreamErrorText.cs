using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// Says in words why an upstream attempt failed: for the log, each distinct message of the exception chain; for the
/// status (<c>/readyz</c>, the admin API, <c>pin</c> and <c>lint</c>), the same words shortened and with whatever may
/// be a credential taken out.
/// </summary>
/// <remarks>
/// The messages come from the gateway itself (a missing command, an upstream that exited), the SDK's transports (a
/// process that exited during the handshake, an HTTP status) and .NET (a refused connection, a name that does not
/// resolve). None of them should carry a secret, but an HTTP client's may name the URL it was given, and a process
/// may print anything: URLs are cut to their scheme, host and port, authorization schemes, <c>name=value</c> pairs
/// whose name says token, secret, password or key, and long opaque strings are replaced, and the text is capped.
/// </remarks>
internal static partial class UpstreamErrorText
{
    /// <summary>The longest status text; past it the text is cut and ends in an ellipsis.</summary>
    public const int MaxStatusLength = 200;

    private const string Redacted = "[redacted]";

    /// <summary>
    /// Each distinct message of the exception chain, without stack frames, joined; the type name when none has a message.
    /// <paramref name="withoutUpstreamText"/> leaves out the words the upstream wrote itself (see <see cref="ForProbes"/>).
    /// </summary>
    public static string Chain(Exception exception, bool withoutUpstreamText = false)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var message = (withoutUpstreamText ? OwnWords(current) : Words(current)).ReplaceLineEndings(" ").Trim();
            if (message.Length > 0 && !messages.Exists(m => m.Contains(message, StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
        }

        return messages.Count > 0
            ? messages.Aggregate((joined, next) => joined + (joined.EndsWith('.') ? " " : ": ") + next)
            : exception.GetType().Name;
    }

    /// <summary>
    /// The exception's message; for a closed transport (the SDK says only "The transport was closed."), how it closed:
    /// the process's exit code, or the HTTP status. Never the process's standard error, which may print anything (the
    /// log has it, event 1004).
    /// </summary>
    private static string Words(Exception exception) => exception switch
    {
        ClientTransportClosedException { Details: StdioClientCompletionDetails { ExitCode: { } code } } =>
            string.Create(CultureInfo.InvariantCulture, $"the upstream process exited with code {code} (its standard error is in the log, event 1004)"),
        ClientTransportClosedException { Details: HttpClientCompletionDetails { HttpStatusCode: { } status } } =>
            string.Create(CultureInfo.InvariantCulture, $"the upstream answered HTTP {(int)status} ({status})"),
        _ => exception.Message,
    };

    /// <summary>
    /// <see cref="Words"/>, but for an answer of the upstream, only what kind it was: the message of a JSON-RPC error, or the
    /// body the SDK quotes with an HTTP error, is the upstream's own text (a database's connection error, an internal host
    /// name), which no pattern can be trusted to clean.
    /// </summary>
    private static string OwnWords(Exception exception) => exception switch
    {
        McpProtocolException protocol =>
            string.Create(CultureInfo.InvariantCulture, $"the upstream answered with an error (JSON-RPC code {(int)protocol.ErrorCode})"),
        HttpRequestException { StatusCode: { } status } and not Credentials.UpstreamCredentialsRefusedException =>
            string.Create(CultureInfo.InvariantCulture, $"the upstream answered HTTP {(int)status} ({status})"),
        _ => Words(exception),
    };

    /// <summary>What failed, safe to publish: <see cref="Chain"/> without credentials, at most <see cref="MaxStatusLength"/> characters.</summary>
    public static string ForStatus(Exception exception) => Sanitize(Chain(exception));

    /// <summary>
    /// What failed, for a reader without a token (<c>/readyz</c>): <see cref="ForStatus"/> without the addresses it names and
    /// without any text the upstream wrote (its JSON-RPC error messages, the bodies of its HTTP errors).
    /// </summary>
    public static string ForProbes(Exception exception) => WithoutAddresses(Sanitize(Chain(exception, withoutUpstreamText: true)));

    /// <summary>The text without URL credentials, paths and queries, authorization values, secret-named values or long opaque strings; shortened.</summary>
    public static string Sanitize(string text)
    {
        var safe = Url().Replace(text, m => Origin(m.Value));
        safe = AuthorizationScheme().Replace(safe, m => m.Groups["scheme"].Value + " " + Redacted);
        safe = SecretPair().Replace(safe, m => m.Groups["name"].Value + m.Groups["separator"].Value + Redacted);
        safe = Opaque().Replace(safe, Redacted);
        safe = Whitespace().Replace(safe, " ").Trim();
        if (safe.Length > MaxStatusLength)
        {
            var cut = safe[..(MaxStatusLength - 1)];
            // Never end on half a surrogate pair.
            safe = (char.IsHighSurrogate(cut[^1]) ? cut[..^1] : cut) + "…";
        }

        return safe;
    }

    /// <summary>
    /// The status text for an unauthenticated reader (<c>/readyz</c>): also without the addresses it names (a URL's origin,
    /// <c>host:port</c>, an IP address), which tell the network's layout; the admin API shows them.
    /// </summary>
    public static string WithoutAddresses(string text)
    {
        var safe = Url().Replace(text, "[address]");
        safe = Ipv6().Replace(safe, "[address]");
        safe = HostPort().Replace(safe, "[address]");
        return Ipv4().Replace(safe, "[address]");
    }

    /// <summary>Only where a URL points (scheme, host, port): its user info, path, query and fragment may carry credentials.</summary>
    private static string Origin(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return "[url]";
        }

        // Authority is the host and a port other than the scheme's default, never the user info.
        var origin = new StringBuilder(uri.Scheme).Append("://").Append(uri.Authority);
        if (uri.PathAndQuery.Length > 1 || uri.Fragment.Length > 0)
        {
            origin.Append("/…");
        }

        return origin.ToString();
    }

    [GeneratedRegex(@"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'""<>()\[\]{}]+")]
    private static partial Regex Url();

    [GeneratedRegex(@"\b(?<scheme>Bearer|Basic|Digest|Token)\s+[^\s,;'""]+", RegexOptions.IgnoreCase)]
    private static partial Regex AuthorizationScheme();

    [GeneratedRegex(@"(?<name>\b[A-Za-z0-9_.-]*(?:token|secret|password|passwd|pwd|key|sig|signature|authorization|credential|cookie|session)[A-Za-z0-9_.-]*)(?<separator>\s*[=:]\s*)(?:""[^""]*""|'[^']*'|[^\s,;&]+)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretPair();

    [GeneratedRegex(@"[A-Za-z0-9+_=-]{24,}")]
    private static partial Regex Opaque();

    [GeneratedRegex(@"\b(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+:\d{1,5}\b")]
    private static partial Regex HostPort();

    [GeneratedRegex(@"\b\d{1,3}(?:\.\d{1,3}){3}\b")]
    private static partial Regex Ipv4();

    [GeneratedRegex(@"\[[0-9A-Fa-f:.]+\](?::\d{1,5})?")]
    private static partial Regex Ipv6();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
