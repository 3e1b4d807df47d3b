using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Samples.Conformance;

/// <summary>Completes prompt arguments and template variables from a fixed list of words.</summary>
internal static class Completions
{
    private static readonly string[] Words = ["alpha", "beta", "gamma", "paris", "park", "test"];

    public static ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> context, CancellationToken cancellationToken)
    {
        var prefix = context.Params?.Argument.Value ?? "";
        var values = Words.Where(w => w.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        return ValueTask.FromResult(new CompleteResult { Completion = new Completion { Values = values, Total = values.Count, HasMore = false } });
    }
}
