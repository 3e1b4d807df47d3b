using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Primitives;

namespace Portcullis.Security;

/// <summary>
/// The request's <c>Authorization</c> header as the gateway takes it, judged before any token is read: one longer than
/// <see cref="MaxLength"/> is refused as such (with the token refusals' 401, logged and audited), where Kestrel alone
/// would answer a bare 431; so is a request with more than one (JwtBearer would read them joined, as a malformed JWT). Kestrel's header block is raised to <see cref="MaxHeaderBlockBytes"/> so that such a
/// header reaches the gateway; a larger block still meets Kestrel's 431.
/// </summary>
internal static class AuthorizationHeader
{
    /// <summary>The longest <c>Authorization</c> header taken, in characters (a JWT is ASCII: bytes); a real JWT is a few KiB.</summary>
    public const int MaxLength = 16 * 1024;

    /// <summary>Kestrel's limit on a request's header block (its default is 32 KiB): room for the longest header taken, and more.</summary>
    public const int MaxHeaderBlockBytes = 64 * 1024;

    /// <summary>The reason class of a header over <see cref="MaxLength"/>.</summary>
    public const string TooLong = "authorization_too_long";

    /// <summary>The reason class of a request with more than one <c>Authorization</c> header (RFC 6750 allows one token per request).</summary>
    public const string Several = "several_authorization_headers";

    /// <summary>The reason class of the header, when it is refused before its token is read; null when it is not.</summary>
    public static string? Refusal(StringValues values)
    {
        if (values.Count > 1)
        {
            return Several;
        }

        foreach (var value in values)
        {
            if (value?.Length > MaxLength)
            {
                return TooLong;
            }
        }

        return null;
    }

    /// <summary>Lets a header block of up to <see cref="MaxHeaderBlockBytes"/> through Kestrel, over HTTP/1.1 and HTTP/2.</summary>
    public static void Allow(KestrelServerLimits limits)
    {
        limits.MaxRequestHeadersTotalSize = MaxHeaderBlockBytes;
        limits.Http2.MaxRequestHeaderFieldSize = MaxHeaderBlockBytes;
    }
}
