namespace Portcullis.Core.Diagnostics;

/// <summary>Correlation ids: unique, sortable by time, short enough to read out.</summary>
public static class CorrelationIds
{
    public static string Next() => Guid.CreateVersion7().ToString("N");
}
