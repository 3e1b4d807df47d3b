using System.Text.Json;

namespace Portcullis.Core.Audit;

/// <summary>Failures of a sink's write that come from an event's content whatever the sink: its serialization or encoding.</summary>
public static class AuditSinkErrors
{
    /// <summary>
    /// A value that could not be serialized (<see cref="JsonException"/>, <see cref="NotSupportedException"/>) or
    /// encoded (<see cref="ArgumentException"/>, which <see cref="System.Text.EncoderFallbackException"/> is), or that
    /// a driver could not convert (<see cref="InvalidCastException"/>).
    /// </summary>
    public static bool IsContent(Exception exception) =>
        exception is JsonException or NotSupportedException or ArgumentException or InvalidCastException;
}
