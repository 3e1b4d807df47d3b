namespace Portcullis.Core.Pins;

/// <summary>The outcome of comparing a live tool with its pin, with the definition fields that changed.</summary>
internal sealed record PinCheck(PinState State, IReadOnlyList<string> Changed);
