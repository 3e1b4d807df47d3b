namespace Portcullis.Core.Diagnostics;

/// <summary>What a <see cref="BurstPace{T}"/> did with one event.</summary>
internal enum PaceVerdict
{
    /// <summary>Within its window's burst: its caller reports it.</summary>
    Admitted,

    /// <summary>Beyond the burst: held for the window's summary.</summary>
    Held,

    /// <summary>The pace was retired (forgotten as quiet) before the event reached it: its caller takes it to a current one.</summary>
    Retired,
}
