using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Portcullis.Core.Security;

/// <summary>
/// Validates each distinct bearer token once and reuses the verdict while it would still be the same: the token is
/// unexpired (with the configured clock skew, on <see cref="TimeProvider"/>), the key that verified its signature is
/// still one of the current signing keys (a key rotation or a refreshed key set drops it), and its audiences still
/// pass. Only successes are kept, keyed by the token's SHA-256 and bounded in number; every refusal is a fresh
/// validation, so a bad token gets exactly the answer (and the reason) it would get without the cache. A token
/// refused for an unknown key is validated once more after the keys are fetched again (<see cref="IKeyRefresh"/>),
/// so the first token of a newly published key passes. While no keys could be fetched at all, or the provider does not
/// answer that fetch, such a token is refused as unchecked (<see cref="SigningKeysUnavailableException"/>), not as signed
/// with an unknown key.
/// </summary>
internal sealed class CachingTokenHandler : TokenHandler
{
    /// <summary>How many distinct valid tokens are kept; beyond it the least recently used go first.</summary>
    public const int Capacity = 10_000;

    private readonly JsonWebTokenHandler _inner;
    private readonly TimeProvider _time;
    private readonly MemoryCache _verdicts;

    public CachingTokenHandler(JsonWebTokenHandler inner, TimeProvider time)
    {
        _inner = inner;
        _time = time;
        _verdicts = new MemoryCache(new MemoryCacheOptions { SizeLimit = Capacity, CompactionPercentage = 0.1 });
    }

    public override int MaximumTokenSizeInBytes
    {
        get => _inner.MaximumTokenSizeInBytes;
        set => _inner.MaximumTokenSizeInBytes = value;
    }

    public override SecurityToken ReadToken(string token) => _inner.ReadToken(token);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var key = Digest(token);
        if (_verdicts.TryGetValue(key, out Verdict? verdict) && await StillHoldsAsync(verdict!, validationParameters).ConfigureAwait(false))
        {
            return verdict!.Fresh();
        }

        var keys = validationParameters.ConfigurationManager as IKeyRefresh;
        var mark = keys?.Mark ?? default;
        var result = await _inner.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        var refresh = KeyRefreshOutcome.Unchanged;
        if (result is { IsValid: false, Exception: SecurityTokenSignatureKeyNotFoundException } && keys is not null)
        {
            refresh = await keys.RefreshForUnknownKeyAsync(mark).ConfigureAwait(false);
            if (refresh == KeyRefreshOutcome.Changed)
            {
                result = await _inner.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
            }
        }

        // With no keys at all (the provider has not answered since start), every token's key is unknown; with keys in hand
        // but the provider not answering now, a key it published since is unknown too. Either says nothing of the token,
        // which would be told it is signed with a key the provider does not publish, and dropped: it is told to retry.
        if (result is { IsValid: false, Exception: SecurityTokenSignatureKeyNotFoundException }
            && keys is not null && (!keys.HasKeys || refresh == KeyRefreshOutcome.Unreachable))
        {
            return new TokenValidationResult
            {
                IsValid = false,
                Exception = new SigningKeysUnavailableException(keys.HasKeys
                    ? "The identity provider's signing keys could not be fetched again to find the token's key."
                    : "The identity provider's signing keys could not be fetched yet.", keys.UntilNextFetch),
            };
        }

        if (result.IsValid && result.SecurityToken is JsonWebToken { SigningKey: { } signingKey } jwt)
        {
            // An exp in the last seconds of year 9999 would overflow with the skew added: such a token is kept for ever.
            var validTo = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
            var expires = validTo <= DateTimeOffset.MaxValue - validationParameters.ClockSkew ? validTo + validationParameters.ClockSkew : DateTimeOffset.MaxValue;
            var kept = new Verdict(result, signingKey, expires);
            _verdicts.Set(key, kept, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expires });
            return kept.Fresh();
        }

        _verdicts.Remove(key);
        return result;
    }

    private async Task<bool> StillHoldsAsync(Verdict verdict, TokenValidationParameters parameters)
    {
        if (_time.GetUtcNow() >= verdict.Expires)
        {
            return false;
        }

        var token = (JsonWebToken)verdict.Result.SecurityToken;
        if (parameters.AudienceValidator is { } audiences && !audiences(token.Audiences, token, parameters))
        {
            return false;
        }

        return await IsCurrentKeyAsync(verdict.SigningKey, parameters).ConfigureAwait(false);
    }

    /// <summary>Whether the very key object that verified the token is still in the key set validation would use now.</summary>
    private static async Task<bool> IsCurrentKeyAsync(SecurityKey signingKey, TokenValidationParameters parameters)
    {
        if (ReferenceEquals(parameters.IssuerSigningKey, signingKey)
            || parameters.IssuerSigningKeys?.Any(k => ReferenceEquals(k, signingKey)) == true)
        {
            return true;
        }

        if (parameters.ConfigurationManager is { } manager)
        {
            var configuration = await manager.GetBaseConfigurationAsync(CancellationToken.None).ConfigureAwait(false);
            return configuration?.SigningKeys.Any(k => ReferenceEquals(k, signingKey)) == true;
        }

        return false;
    }

    /// <remarks>
    /// Sized by the token's UTF-8 length, not the worst case (three bytes a character): a JWT is ASCII, so tokens of
    /// up to 4 KiB are hashed from the stack, and only longer ones borrow a pooled buffer.
    /// </remarks>
    private static string Digest(string token)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.UTF8.GetByteCount(token);
        byte[]? rented = null;
        var bytes = length <= 4096 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            Encoding.UTF8.GetBytes(token, bytes);
            SHA256.HashData(bytes, hash);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return Convert.ToHexString(hash);
    }

    /// <summary>A successful validation, kept with the key that verified it and the instant it stops holding.</summary>
    private sealed record Verdict(TokenValidationResult Result, SecurityKey SigningKey, DateTimeOffset Expires)
    {
        /// <summary>A copy for one request: its own identity, so nothing one request adds to it reaches another.</summary>
        public TokenValidationResult Fresh() => new()
        {
            IsValid = true,
            SecurityToken = Result.SecurityToken,
            ClaimsIdentity = Result.ClaimsIdentity.Clone(),
            Issuer = Result.Issuer,
            TokenType = Result.TokenType,
        };
    }
}
