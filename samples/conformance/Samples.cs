namespace Portcullis.Samples.Conformance;

/// <summary>Small binary payloads the suite expects back, base64-encoded.</summary>
internal static class Samples
{
    /// <summary>A 1x1 red PNG.</summary>
    public const string PngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

    /// <summary>A minimal WAV header.</summary>
    public const string WavBase64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

    public static ReadOnlyMemory<byte> Utf8(string base64) => System.Text.Encoding.UTF8.GetBytes(base64);
}
