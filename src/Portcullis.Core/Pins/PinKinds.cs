namespace Portcullis.Core.Pins;

/// <summary>The lock file's words for each <see cref="PinKind"/>.</summary>
internal static class PinKinds
{
    public static readonly IReadOnlyList<PinKind> All = [PinKind.Tool, PinKind.Resource, PinKind.ResourceTemplate, PinKind.Prompt];

    /// <summary>The section of a connector in the lock file.</summary>
    public static string Section(this PinKind kind) => kind switch
    {
        PinKind.Tool => "tools",
        PinKind.Resource => "resources",
        PinKind.ResourceTemplate => "resource_templates",
        _ => "prompts",
    };

    /// <summary>The field of a definition that names it, and under which it is pinned.</summary>
    public static string KeyField(this PinKind kind) => kind switch
    {
        PinKind.Resource => "uri",
        PinKind.ResourceTemplate => "uriTemplate",
        _ => "name",
    };

    /// <summary>How messages name one of this kind.</summary>
    public static string Noun(this PinKind kind) => kind switch
    {
        PinKind.Tool => "tool",
        PinKind.Resource => "resource",
        PinKind.ResourceTemplate => "resource template",
        _ => "prompt",
    };
}
