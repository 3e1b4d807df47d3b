namespace Portcullis.Core.Pins;

/// <summary>What a pin covers; each kind is one section of a connector in the lock file.</summary>
internal enum PinKind
{
    /// <summary><c>tools</c>, by name.</summary>
    Tool,

    /// <summary><c>resources</c>, by URI.</summary>
    Resource,

    /// <summary><c>resource_templates</c>, by URI template.</summary>
    ResourceTemplate,

    /// <summary><c>prompts</c>, by name.</summary>
    Prompt,
}
