using System.Runtime.CompilerServices;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// The stand-ins <see cref="ListPage"/> reads in place of listed items the MCP client cannot read, each marked with where
/// its definition is not I-JSON: the catalog withholds such a tool, the relay leaves out such a resource, template or
/// prompt, and <c>pin</c> pins none of them.
/// </summary>
internal static class UnreadableDefinitions
{
    private static readonly ConditionalWeakTable<object, string> Marks = new();

    /// <summary>Where the listed definition <paramref name="standIn"/> stands for cannot be read, or null when it is no stand-in.</summary>
    public static string? Problem(object standIn) => Marks.TryGetValue(standIn, out var problem) ? problem : null;

    public static void Mark(object standIn, string problem) => Marks.Add(standIn, problem);
}
