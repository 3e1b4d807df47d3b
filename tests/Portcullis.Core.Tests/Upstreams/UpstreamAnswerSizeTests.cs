using ModelContextProtocol.Protocol;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>Every kind of answer the relay passes on is weighed, so a stdio upstream is held to the limit for each.</summary>
public sealed class UpstreamAnswerSizeTests
{
    private const long Limit = 1024;

    public static TheoryData<string> Kinds => ["prompt", "prompts", "resources", "templates", "completion", "read", "tool"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AnAnswerWithTextPastTheLimit_DoesNotFit(string kind)
    {
        Assert.True(UpstreamAnswerSize.Fits(Answer(kind, new string('x', 900)), Limit));
        Assert.False(UpstreamAnswerSize.Fits(Answer(kind, new string('x', 1100)), Limit));
    }

    [Fact]
    public void ManySmallItems_AddUp()
    {
        var page = new ListResourcesResult { Resources = [.. Enumerable.Range(0, 200).Select(i => new Resource { Uri = $"test://{i}", Name = "n" })] };

        Assert.False(UpstreamAnswerSize.Fits(page, Limit));
        Assert.True(UpstreamAnswerSize.Fits(page, 100 * Limit));
    }

    [Fact]
    public void AnAnswerThatCarriesNoContent_Fits() =>
        Assert.True(UpstreamAnswerSize.Fits(new EmptyResult(), 1));

    private static Result Answer(string kind, string text) => kind switch
    {
        "prompt" => new GetPromptResult { Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = text } }] },
        "prompts" => new ListPromptsResult { Prompts = [new Prompt { Name = "p", Description = text }] },
        "resources" => new ListResourcesResult { Resources = [new Resource { Uri = "test://r", Name = "r", Title = text }] },
        "templates" => new ListResourceTemplatesResult { ResourceTemplates = [new ResourceTemplate { UriTemplate = "test://{id}", Name = "t", Description = text }] },
        "completion" => new CompleteResult { Completion = new Completion { Values = [text] } },
        "read" => new ReadResourceResult { Contents = [new TextResourceContents { Uri = "test://r", Text = text }] },
        "tool" => new CallToolResult { Content = [new TextContentBlock { Text = text }] },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
