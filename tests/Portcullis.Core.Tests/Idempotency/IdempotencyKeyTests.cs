using System.Text.Json;
using CsCheck;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Tests.Idempotency;

public sealed class IdempotencyKeyTests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("task-42/step-3", true)]
    [InlineData("with space", true)]
    [InlineData("ünïcödé ✓ 😀", true)]
    [InlineData("", false)]
    [InlineData("tab\there", false)]
    [InlineData("new\nline", false)]
    [InlineData("nul\0", false)]
    [InlineData("del\u007f", false)]
    [InlineData("c1\u0085", false)]
    public void IsValid_Examples(string key, bool valid)
    {
        Assert.Equal(valid, IdempotencyKey.IsValid(key));
    }

    [Fact]
    public void IsValid_LoneSurrogate_IsRefused()
    {
        Assert.False(IdempotencyKey.IsValid("lone" + (char)0xD800));
        Assert.False(IdempotencyKey.IsValid((char)0xDC00 + "x"));
    }

    [Fact]
    public void IsValid_LengthCountsCodePoints_UpTo255()
    {
        Assert.True(IdempotencyKey.IsValid(new string('k', 255)));
        Assert.False(IdempotencyKey.IsValid(new string('k', 256)));
        Assert.True(IdempotencyKey.IsValid(string.Concat(Enumerable.Repeat("😀", 255))));
        Assert.False(IdempotencyKey.IsValid(string.Concat(Enumerable.Repeat("😀", 256))));
    }

    [Fact]
    public void IsValid_AgreesWithTheSchemaPattern()
    {
        var pattern = new System.Text.RegularExpressions.Regex(IdempotencyKeySchema.PrintablePattern);
        Gen.String[Gen.Char, 1, 40].Where(s => !s.Any(char.IsSurrogate)).Sample(key =>
            Assert.Equal(pattern.IsMatch(key), IdempotencyKey.IsValid(key)));
    }

    /// <summary>Before, keys that read alike ran as different keys: "refund-77" and "refund-77" with a zero-width space each acted.</summary>
    [Theory]
    [InlineData("refund-77\u200B")]
    [InlineData("\u200B")]
    [InlineData("\uFEFF")]
    [InlineData("\u00AD")]
    [InlineData("a\u2028b")]
    [InlineData("pay \u202E9876\u202C")]
    [InlineData("tag\U000E0001")]
    [InlineData("k\u2065")]
    [InlineData("k\uFFF0")]
    [InlineData("k\U000E0080")]
    public void IsValid_CharacterThatShowsNothingOrReorders_IsRefused(string key)
    {
        Assert.False(IdempotencyKey.IsValid(key));
    }

    [Fact]
    public void IsValid_AgreesWithTheSchemaPattern_OnEveryCharacterOfTheBasicPlane()
    {
        var pattern = new System.Text.RegularExpressions.Regex(IdempotencyKeySchema.PrintablePattern);
        for (var c = '\0'; c < char.MaxValue; c++)
        {
            if (!char.IsSurrogate(c))
            {
                // Between two letters: .NET's $ also matches before a final line feed, which ECMA-262's does not.
                var key = "k" + c + "k";
                Assert.True(pattern.IsMatch(key) == IdempotencyKey.IsValid(key), $"U+{(int)c:X4}");
            }
        }
    }

    [Fact]
    public void TryRead_Missing_IsKeyMissing()
    {
        var ok = IdempotencyKey.TryRead(new Dictionary<string, JsonElement>(), out _, out var error);

        Assert.False(ok);
        Assert.Equal("idempotency_key_missing", error!.Code.Code);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("42")]
    [InlineData("\"bad\\u0001\"")]
    public void TryRead_Malformed_IsInvalidArgumentsAtTheKeysPath(string json)
    {
        var arguments = new Dictionary<string, JsonElement> { ["idempotency_key"] = JsonDocument.Parse(json).RootElement.Clone() };

        var ok = IdempotencyKey.TryRead(arguments, out _, out var error);

        Assert.False(ok);
        Assert.Equal("invalid_arguments", error!.Code.Code);
        Assert.Equal("/idempotency_key", Assert.Single(error.Details!).Path);
    }

    [Fact]
    public void AddTo_WriteTool_AddsARequiredConstrainedKey()
    {
        var tool = Build("""{"type":"object","properties":{"body":{"type":"string"}},"required":["body"]}""", readOnlyHint: false);

        IdempotencyKeySchema.AddTo(tool);

        var schema = tool.Exposed.InputSchema;
        Assert.Equal(["body", "idempotency_key"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var key = schema.GetProperty("properties").GetProperty("idempotency_key");
        Assert.Equal("string", key.GetProperty("type").GetString());
        Assert.Equal(1, key.GetProperty("minLength").GetInt32());
        Assert.Equal(255, key.GetProperty("maxLength").GetInt32());
        Assert.Equal(IdempotencyKeySchema.PrintablePattern, key.GetProperty("pattern").GetString());
        Assert.Contains("retry", key.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.False(tool.Upstream.InputSchema.GetProperty("properties").TryGetProperty("idempotency_key", out _));
        Assert.False(IdempotencyKeySchema.UpstreamDeclares(tool));
    }

    [Fact]
    public void AddTo_ReadOnlyTool_LeavesTheSchemaAlone()
    {
        var tool = Build("""{"type":"object","properties":{"query":{"type":"string"}}}""", readOnlyHint: true);

        IdempotencyKeySchema.AddTo(tool);

        Assert.False(tool.Exposed.InputSchema.GetProperty("properties").TryGetProperty("idempotency_key", out _));
    }

    [Fact]
    public void AddTo_ConfigDeclaresReadOnly_OverridesTheUpstreamHint()
    {
        var tool = Build("""{"type":"object"}""", readOnlyHint: false, new ToolConfig { ReadOnly = true });

        IdempotencyKeySchema.AddTo(tool);

        Assert.False(tool.Exposed.InputSchema.TryGetProperty("properties", out _));
    }

    [Fact]
    public void AddTo_UpstreamDeclaresTheKey_KeepsItRequiredOnceAndForwardsIt()
    {
        var tool = Build("""{"type":"object","properties":{"idempotency_key":{"type":"string"}},"required":["idempotency_key"]}""", readOnlyHint: null);

        IdempotencyKeySchema.AddTo(tool);

        Assert.Single(tool.Exposed.InputSchema.GetProperty("required").EnumerateArray());
        Assert.True(IdempotencyKeySchema.UpstreamDeclares(tool));
    }

    [Fact]
    public void AddTo_UnpinnedReadOnlyHint_StillRequiresAKey()
    {
        var tool = Build("""{"type":"object","properties":{"query":{"type":"string"}}}""", readOnlyHint: true, hintsPinned: false);

        IdempotencyKeySchema.AddTo(tool);

        Assert.False(tool.ReadOnly);
        Assert.True(tool.Exposed.InputSchema.GetProperty("properties").TryGetProperty("idempotency_key", out _));
    }

    private static GatewayTool Build(string schema, bool? readOnlyHint, ToolConfig? policy = null, bool hintsPinned = true)
    {
        var upstream = new Tool
        {
            Name = "t",
            InputSchema = JsonDocument.Parse(schema).RootElement.Clone(),
            Annotations = readOnlyHint is null ? null : new ToolAnnotations { ReadOnlyHint = readOnlyHint },
        };
        var exposed = new Tool { Name = "t", InputSchema = upstream.InputSchema };
        return new GatewayTool(upstream, policy, exposed, hintsPinned);
    }
}
