using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portcullis.Core.Security;

namespace Portcullis.Tests.Auth;

/// <summary>
/// The token verdict cache answers exactly as a fresh validation would: a verdict is reused only while the token is
/// unexpired, its signing key is still current and its audience still passes; refusals are never reused.
/// </summary>
public sealed class CachingTokenHandlerTests
{
    private const string Audience = "http://127.0.0.1:8080/mcp/crm";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly CountingHandler _inner = new();
    private readonly RsaSecurityKey _key = NewKey();

    private CachingTokenHandler Handler() => new(_inner, _time);

    [Fact]
    public async Task Validate_SameValidTokenTwice_ValidatesItOnce()
    {
        var handler = Handler();
        var token = Mint(_key);

        var first = await handler.ValidateTokenAsync(token, Parameters(_key));
        var second = await handler.ValidateTokenAsync(token, Parameters(_key));

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, _inner.Calls);
        Assert.Equal("test-user", second.ClaimsIdentity.FindFirst("sub")?.Value);
    }

    [Fact]
    public async Task Validate_TokensLongerThan4KiB_EachKeepsItsOwnVerdict()
    {
        var handler = Handler();
        var first = Mint(_key, padding: new string('a', 5000));
        var second = Mint(_key, padding: new string('a', 4999) + "b");
        Assert.True(first.Length > 4096);

        foreach (var token in new[] { first, second, first, second })
        {
            Assert.True((await handler.ValidateTokenAsync(token, Parameters(_key))).IsValid);
        }

        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Validate_InvalidToken_IsValidatedAfreshEveryTime()
    {
        var handler = Handler();
        var token = Mint(NewKey());

        var first = await handler.ValidateTokenAsync(token, Parameters(_key));
        var second = await handler.ValidateTokenAsync(token, Parameters(_key));

        Assert.False(first.IsValid);
        Assert.False(second.IsValid);
        Assert.Equal(first.Exception?.GetType(), second.Exception?.GetType());
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Validate_AfterTheTokenExpires_DoesNotReuseTheVerdict()
    {
        var handler = Handler();
        var token = Mint(_key, lifetime: TimeSpan.FromMinutes(2));
        await handler.ValidateTokenAsync(token, Parameters(_key));

        _time.Advance(TimeSpan.FromMinutes(2) + Skew);
        await handler.ValidateTokenAsync(token, Parameters(_key));

        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Validate_AfterTheSigningKeyRotatedOut_RefusesTheToken()
    {
        var handler = Handler();
        var token = Mint(_key);
        Assert.True((await handler.ValidateTokenAsync(token, Parameters(_key))).IsValid);

        var result = await handler.ValidateTokenAsync(token, Parameters(NewKey()));

        Assert.False(result.IsValid);
        Assert.IsAssignableFrom<SecurityTokenException>(result.Exception);
    }

    [Fact]
    public async Task Validate_AfterTheKeySetWasRefreshed_ValidatesAgainstTheNewSet()
    {
        var handler = Handler();
        var token = Mint(_key);
        await handler.ValidateTokenAsync(token, Parameters(_key));

        // The same key material fetched again is a new key object: the verdict is not reused across a refresh.
        var refreshed = new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId };
        var result = await handler.ValidateTokenAsync(token, Parameters(refreshed));

        Assert.True(result.IsValid);
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Validate_WhenTheAudienceNoLongerPasses_RefusesTheToken()
    {
        var handler = Handler();
        var token = Mint(_key);
        await handler.ValidateTokenAsync(token, Parameters(_key));

        var result = await handler.ValidateTokenAsync(token, Parameters(_key, audience: "http://127.0.0.1:9999/mcp/crm"));

        Assert.False(result.IsValid);
        Assert.IsAssignableFrom<SecurityTokenInvalidAudienceException>(result.Exception);
    }

    [Fact]
    public async Task Validate_WhatOneRequestAddsToItsIdentity_NeverReachesTheNext()
    {
        var handler = Handler();
        var token = Mint(_key);
        var first = await handler.ValidateTokenAsync(token, Parameters(_key));
        first.ClaimsIdentity.AddClaim(new Claim("scope", "admin:everything"));

        var second = await handler.ValidateTokenAsync(token, Parameters(_key));

        Assert.DoesNotContain(second.ClaimsIdentity.Claims, c => c.Value == "admin:everything");
    }

    private static TimeSpan Skew => TimeSpan.FromSeconds(30);

    private static RsaSecurityKey NewKey() => new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N")[..16] };

    private static TokenValidationParameters Parameters(SecurityKey key, string audience = Audience) => new()
    {
        ValidIssuer = "https://idp.example/",
        AudienceValidator = (audiences, _, _) => audiences.Contains(audience, StringComparer.Ordinal),
        IssuerSigningKeys = [key],
        ClockSkew = Skew,
        RequireExpirationTime = true,
        NameClaimType = "sub",
    };

    private string Mint(SecurityKey key, TimeSpan? lifetime = null, string? padding = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "test-user", ["scope"] = "contacts:read" };
        if (padding is not null)
        {
            claims["pad"] = padding;
        }

        var now = _time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://idp.example/",
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(10)),
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The real validator, counting how often it runs.</summary>
    private sealed class CountingHandler : JsonWebTokenHandler
    {
        private int _calls;

        public CountingHandler() => MapInboundClaims = false;

        public int Calls => _calls;

        public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            Interlocked.Increment(ref _calls);
            return base.ValidateTokenAsync(token, validationParameters);
        }
    }
}
